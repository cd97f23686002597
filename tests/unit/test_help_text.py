"""Every `--help` reads as whole sentences at 80 columns.

Typer's rich help keeps a single newline of a docstring in the command list of a group
(and in every paragraph after the first), so a docstring wrapped by hand shows up as a
line that ends mid-sentence. Help texts are therefore a one-line summary, then paragraphs
of one line each; this test renders every command's help and finds any such line."""

from __future__ import annotations

import re
from collections.abc import Iterator

import typer
from typer.testing import CliRunner

from leadflow.cli.main import app

WIDTH = 80
_ENDS_SENTENCE = tuple(".:;!?)]}")


def _commands(command: object, path: list[str]) -> Iterator[list[str]]:
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, [*path, name])


def _render(target: typer.Typer, args: list[str]) -> str:
    result = CliRunner().invoke(
        target, [*args, "--help"], env={"COLUMNS": str(WIDTH), "TERMINAL_WIDTH": str(WIDTH)}
    )
    assert result.exit_code == 0, result.output
    return result.output


def hard_breaks(text: str) -> list[str]:
    """Lines that end mid-sentence although the next (lowercase) word would have fit."""
    found = []
    lines = text.splitlines()
    for line, after in zip(lines, lines[1:], strict=False):
        right = line.rfind("│") if line.rstrip().endswith("│") else WIDTH
        body = line[:right].rstrip()
        nxt = after.strip(" │").split(" ", 1)[0]
        if not body.strip(" │") or not nxt or not re.match(r"[a-z]", nxt):
            continue
        if body.endswith(_ENDS_SENTENCE):
            continue
        if len(body) + 1 + len(nxt) < right - 1:  # room to spare: not a wrap, a hard break
            found.append(f"{body.strip(' │')!r} / {nxt!r}")
    return found


def test_the_check_finds_a_docstring_wrapped_by_hand() -> None:
    demo = typer.Typer()

    @demo.command()
    def serve() -> None:
        """Serve every flow with its schedules and event triggers; starts a local Prefect
        server with its UI when PREFECT_API_URL is unset."""

    @demo.command()
    def other() -> None:
        """Another command."""

    assert hard_breaks(_render(demo, []))


def test_every_help_at_80_columns_reads_as_whole_sentences() -> None:
    problems = []
    for path in _commands(typer.main.get_command(app), []):
        for line in hard_breaks(_render(app, path)):
            problems.append(f"leadflow {' '.join(path)} --help: {line}")
    assert not problems, "\n".join(problems)
