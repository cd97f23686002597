"""Teams and reps: who covers which territory, with what seniority and capacity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadflow.errors import InUse, InvalidInput, NotFound
from leadflow.lifecycle.assign import assign_queued
from leadflow.phrases import N_
from leadflow.rules.config import RulesConfig
from leadflow.rules.contact import is_mailbox
from leadflow.rules.vocab import CompanySize, CustomerType, Seniority
from leadflow.rules.zones import check_zone
from leadflow.schemas import MAX_ID, Flag, RowId, Share, validated
from leadflow.store.capacity import OPEN
from leadflow.store.models import Lead, SalesRep, Team
from leadflow.team.managers import ManagerIn, both_given, set_managers

NO_EMAIL = (
    "Say that the person has no email address: without one their notices go, marked as "
    "theirs, to the team's manager (a manager's to the ops channels)."
)


def mailbox(value: str | None) -> str | None:
    """A rep's or manager's email as given, or None for none; refused unless the outbox
    can mail it."""
    if value and not is_mailbox(value):
        raise ValueError(N_("{value!r} is not an email address (name@example.com)", value=value))
    return value or None


def apprise_target(value: str | None) -> str | None:
    """A notify URL as given, or None for none; refused unless it is a URL."""
    if value and "://" not in value:
        raise ValueError(N_("{value!r} is not an apprise URL (scheme://...)", value=value))
    return value or None


_STAND_IN = {
    "email": (N_("rep"), N_("the team's manager")),
    "manager_email": (N_("manager"), N_("the ops channels")),
}


def check_address(field: str, email: str | None, url: str | None, no_email: bool) -> None:
    """InvalidInput naming `field` (email: a rep's, manager_email: a manager's) when the
    person has no address and nobody said so, or has one and no_email says otherwise:
    nobody is added who silently gets nothing."""
    if no_email and email:
        raise InvalidInput(
            N_(
                "no_email: {field} is given too; give one of them",
                field=field,
            ),
            {"no_email": f"{field} given"},
        )
    if not (email or url or no_email):
        who, stand_in = _STAND_IN.get(field, _STAND_IN["manager_email"])
        raise InvalidInput(
            N_(
                "{field}: required (or notify_url), so that the {who}'s notices reach "
                "them; if the {who} has no email, say so with --no-email (API: "
                '"no_email": true), and their notices go to {stand_in} instead',
                field=field,
                who=who,
                stand_in=stand_in,
            ),
            {field: "required (or no_email)"},
        )


def check_managers(people: list[ManagerIn], url: str | None, no_email: bool) -> None:
    """InvalidInput naming the field when a manager has no email and neither the team's
    notify URL nor no_email says where their notices go (or no_email says so needlessly)."""
    if not people:
        check_address("manager_email", None, url, no_email)
        return
    if no_email and all(p.email for p in people):
        raise InvalidInput(
            N_(
                "no_email: every manager has an email; give one of them",
            ),
            {"no_email": "manager_email given"},
        )
    for n, person in enumerate(people):
        field = "manager_email" if len(people) == 1 else f"managers[{n + 1}].email"
        if not (person.email or url or no_email):
            check_address(field, None, None, False)


class TeamIn(BaseModel):
    """A team as created by the CLI or API."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    manager_name: str | None = Field(None, max_length=120)
    manager_email: str | None = Field(None, max_length=254)
    managers: list[ManagerIn] | None = Field(
        None,
        description="Every manager in order (name, email); notices go to each. Instead of "
        "manager_name and manager_email, which give the first.",
    )
    no_email: Flag = Field(False, description=NO_EMAIL)
    regions: list[str] = []
    industries: list[str] = []
    company_sizes: list[CompanySize] = []
    customer_types: list[CustomerType] = Field(
        [], description="company, individual (seed 000); none: the team takes both."
    )
    notify_url: str | None = Field(None, max_length=500)
    timezone: str | None = Field(
        None, max_length=64, description="IANA time zone; none: settings' default_timezone."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)

    _manager_email = field_validator("manager_email")(mailbox)
    _notify_url = field_validator("notify_url")(apprise_target)


class RepIn(BaseModel):
    """A rep as created by the CLI or API."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    email: str | None = Field(None, max_length=254)
    no_email: Flag = Field(False, description=NO_EMAIL)
    team_id: RowId | None = None
    regions: list[str] = []
    industries: list[str] = []
    seniority: Seniority = Seniority.junior
    capacity: int = Field(50, ge=0, le=100_000)
    away: Flag = False
    close_rate: Share = 0.0
    notify_url: str | None = Field(None, max_length=500)

    _email = field_validator("email")(mailbox)
    _notify_url = field_validator("notify_url")(apprise_target)


STORED = {name for name in RepIn.model_fields if name != "no_email"}  # a rep row's fields


def add_team(session: Session, data: dict[str, Any], *, default_timezone: str = "UTC") -> Team:
    """Create a team; its manager needs an email or notify URL unless no_email says not;
    without a time zone of its own it takes `default_timezone` (the settings' default,
    passed in by the CLI and the API)."""
    team_in: TeamIn = validated(TeamIn, data)
    people = given_managers(team_in)
    check_managers(people, team_in.notify_url, team_in.no_email)
    if session.scalar(select(Team.id).where(Team.name == team_in.name)) is not None:
        raise InvalidInput(
            N_("name: a team named {name!r} exists", name=team_in.name), {"name": N_("taken")}
        )
    team = Team(**team_in.model_dump(mode="json", exclude={"no_email", "managers"}))
    team.timezone = team_in.timezone or default_timezone
    set_managers(team, people)
    session.add(team)
    session.flush()
    return team


def given_managers(team_in: TeamIn) -> list[ManagerIn]:
    """The managers a new team is given: its `managers`, or the one manager_name and
    manager_email describe (none when neither is given)."""
    if team_in.managers is not None:
        if team_in.manager_name or team_in.manager_email:
            raise both_given()
        return team_in.managers
    if team_in.manager_name or team_in.manager_email:
        return [ManagerIn(name=team_in.manager_name, email=team_in.manager_email)]
    return []


def add_rep(
    session: Session,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
    rules: RulesConfig | None = None,
) -> SalesRep:
    """Create a rep in an existing team (with an email or notify URL unless no_email says
    not); given the rules, leads waiting in a manager queue that the rep can take are
    assigned at once."""
    rep_in: RepIn = validated(RepIn, data)
    check_address("email", rep_in.email, rep_in.notify_url, rep_in.no_email)
    if rep_in.team_id is not None and session.get(Team, rep_in.team_id) is None:
        raise NotFound(N_("team_id: team {team} does not exist", team=rep_in.team_id))
    rep = SalesRep(**rep_in.model_dump(mode="json", exclude={"no_email"}))
    session.add(rep)
    session.flush()
    _roster_changed(session, now, rules)
    return rep


def get_rep(session: Session, rep_id: int) -> SalesRep:
    """The rep, or NotFound (also for an id no row can have)."""
    rep = session.get(SalesRep, rep_id) if 1 <= rep_id <= MAX_ID else None
    if rep is None:
        raise NotFound(N_("rep {rep} does not exist", rep=rep_id))
    return rep


def _roster_changed(session: Session, now: dt.datetime | None, rules: RulesConfig | None) -> None:
    """A rep added, back from away or given more capacity may take queued leads."""
    if rules is not None:
        assign_queued(session, now or dt.datetime.now(dt.UTC), rules)


def update_rep(
    session: Session,
    rep_id: int,
    changes: dict[str, Any],
    *,
    now: dt.datetime | None = None,
    rules: RulesConfig | None = None,
) -> SalesRep:
    """Change a rep's away flag, capacity, territory, seniority or addresses (no_email
    removes the email, and says so); given the rules, queued leads the rep can now take
    are assigned at once."""
    rep = get_rep(session, rep_id)
    changes = dict(changes)
    no_email = bool(changes.pop("no_email", False))
    current = {f: getattr(rep, f) for f in STORED}
    merged: RepIn = validated(RepIn, {**current, **changes})
    if no_email or {"email", "notify_url"} & changes.keys():
        email = changes.get("email") if no_email else merged.email
        check_address("email", email, merged.notify_url, no_email)
    if no_email:
        merged.email = None
    for key, value in merged.model_dump(mode="json", exclude={"no_email"}).items():
        setattr(rep, key, value)
    session.flush()
    _roster_changed(session, now, rules)
    return rep


def delete_rep(session: Session, rep_id: int) -> None:
    """Delete a rep nothing refers to; a rep who owns leads, or whose activities, targets
    or API keys are kept, is InUse (mark them away instead)."""
    rep = get_rep(session, rep_id)
    owned = session.scalar(select(func.count()).where(Lead.owner_id == rep_id)) or 0
    if owned:
        if owned == 1:
            raise InUse(
                N_("rep {rep} owns 1 lead; mark the rep away instead of deleting", rep=rep_id)
            )
        raise InUse(
            N_(
                "rep {rep} owns {owned} leads; mark the rep away instead of deleting",
                rep=rep_id,
                owned=owned,
            )
        )
    session.delete(rep)
    try:
        session.flush()
    except IntegrityError:
        raise InUse(
            N_(
                "rep {rep_id} is still referred to (activities, targets or API keys); "
                "mark the rep away instead",
                rep_id=rep_id,
            )
        ) from None


def rep_rows(session: Session) -> list[dict[str, Any]]:
    """Every rep with their team and open-lead load."""
    loads = dict(
        session.execute(
            select(Lead.owner_id, func.count()).where(Lead.state.in_(OPEN)).group_by(Lead.owner_id)
        )
        .tuples()
        .all()
    )
    return [
        {
            "id": r.id,
            "name": r.name,
            "team": r.team.name if r.team else None,
            "seniority": r.seniority,
            "regions": r.regions,
            "industries": r.industries,
            "open_leads": loads.get(r.id, 0),
            "capacity": r.capacity,
            "away": r.away,
            "close_rate": r.close_rate,
        }
        for r in session.scalars(select(SalesRep).order_by(SalesRep.id)).unique()
    ]


def team_rows(session: Session) -> list[dict[str, Any]]:
    """Every team with its managers (the first also as manager and manager_email) and
    territory."""
    return [
        {
            "id": t.id,
            "name": t.name,
            "manager": t.manager_name,
            "manager_email": t.manager_email,
            "managers": [{"name": m.name, "email": m.email} for m in t.managers],
            "regions": t.regions,
            "industries": t.industries,
            "company_sizes": t.company_sizes,
            "customer_types": t.customer_types,
            "timezone": t.timezone,
        }
        for t in session.scalars(select(Team).order_by(Team.id))
    ]
