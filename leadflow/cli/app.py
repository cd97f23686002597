"""The typer app class of every command group: help that names values, without type noise.

typer's rich help prints each option's Python type as a placeholder (`--queue <bool>`,
`--owner <int>`, `--help <bool>`): a flag takes no value at all, and `<int>` says less than
the option's name. typer shows an option's metavar instead when one is set, so each
command sets one before its help is drawn: nothing for a flag, the choices for a choice,
the option's name in capitals (`--owner OWNER`) otherwise. A metavar given by hand wins."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

# Wider lists of choices wrap badly in the help's option column; those name the value and
# the option's help lists them.
CHOICES_WIDTH = 24


def _choices(choices: Any) -> str:
    return "|".join(str(getattr(c, "value", c)) for c in choices or ())


def _name_values(params: list[Any]) -> list[Any]:
    for param in params:
        if getattr(param, "param_type_name", "") != "option" or param.metavar is not None:
            continue
        described = param.type_descriptor
        if param.is_flag or param.count:
            param.metavar = ""
        elif described.is_choice and len(shown := _choices(described.choices)) <= CHOICES_WIDTH:
            param.metavar = shown
        else:
            param.metavar = (param.name or "value").upper()
    return params


class Command(TyperCommand):
    """A typer command whose options show a value name, never a Python type."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The command's parameters (the help option too), each with its value's name."""
        return _name_values(super().get_params(ctx))


class Group(TyperGroup):
    """A typer group whose options show a value name, never a Python type."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The group's parameters (the help option too), each with its value's name."""
        return _name_values(super().get_params(ctx))


class App(typer.Typer):
    """`typer.Typer` whose groups and commands are `Group` and `Command`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", Group)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        """`typer.Typer.command` with `Command` as the default class."""
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)
