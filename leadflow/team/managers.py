"""A team's managers: who they are, how one is written in a cell or an option, and the one
place that stores them (the first manager is also kept on the team's own columns)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.rules.contact import is_mailbox
from leadflow.store.models import Team, TeamManager

# "Ann Lee <ann@example.com>", "Ann Lee: ann@example.com", "ann@example.com" or "Ann Lee".
_ANGLED = re.compile(r"^(?P<name>[^<>]*)<(?P<email>[^<>]*)>$")
SEPARATOR = ";"  # between the managers in one cell or option


class ManagerIn(BaseModel):
    """One manager as given: a name, an email, or both."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, max_length=120)
    email: str | None = Field(None, max_length=254)

    @field_validator("email")
    @classmethod
    def _mailbox(cls, value: str | None) -> str | None:
        if value and not is_mailbox(value):
            raise ValueError(
                N_("{value!r} is not an email address (name@example.com)", value=value)
            )
        return value or None

    @model_validator(mode="after")
    def _someone(self) -> ManagerIn:
        if not (self.name or self.email):
            raise ValueError(N_("a manager needs a name or an email"))
        self.name = self.name or None
        return self

    def same_person(self, other: ManagerIn) -> bool:
        """The same email (any case), or no emails and the same name."""
        if self.email or other.email:
            return (self.email or "").casefold() == (other.email or "").casefold()
        return (self.name or "").casefold() == (other.name or "").casefold()


def parse_managers(text: str) -> list[dict[str, str | None]]:
    """The managers written in one cell or option, separated by ';', each as
    'Name <email>', 'Name: email', 'email' or 'Name' (validated by ManagerIn)."""
    found: list[dict[str, str | None]] = []
    for part in (p.strip() for p in text.split(SEPARATOR)):
        if not part:
            continue
        angled = _ANGLED.match(part)
        if angled:
            found.append({"name": angled["name"].strip(), "email": angled["email"].strip()})
        elif ":" in part and "://" not in part:
            name, _, email = part.partition(":")
            found.append({"name": name.strip(), "email": email.strip()})
        elif "@" in part:
            found.append({"name": None, "email": part})
        else:
            found.append({"name": part, "email": None})
    return found


def distinct(people: list[ManagerIn]) -> list[ManagerIn]:
    """The managers without repeats (the first mention of a person wins)."""
    kept: list[ManagerIn] = []
    for person in people:
        if not any(person.same_person(k) for k in kept):
            kept.append(person)
    return kept


def both_given() -> InvalidInput:
    """The error for a team given a managers list and a first manager at once."""
    return InvalidInput(
        "managers: give either managers or manager_name/manager_email, not both",
        {"managers": "given with manager_name/manager_email"},
    )


def managers_of(team: Team) -> list[ManagerIn]:
    """The team's managers in order."""
    return [ManagerIn(name=m.name, email=m.email) for m in team.managers]


def set_managers(team: Team, people: list[ManagerIn]) -> None:
    """Store the team's managers in this order, the first on the team's own columns too.
    Rows are changed in place (not replaced), so no two share a place while flushing."""
    people = distinct(people)
    rows = list(team.managers)
    for n, person in enumerate(people):
        if n < len(rows):
            rows[n].name, rows[n].email = person.name, person.email
        else:
            team.managers.append(TeamManager(position=n, name=person.name, email=person.email))
    del team.managers[len(people) :]
    first = people[0] if people else None
    team.manager_name = first.name if first else None
    team.manager_email = first.email if first else None


def manager_names(team: Team) -> str | None:
    """The managers' names (or emails), comma-separated; None when the team has none."""
    names = [m.name or m.email or "" for m in team.managers]
    return ", ".join(n for n in names if n) or None
