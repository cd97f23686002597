"""A team after its creation: its name, manager and time zone (business hours, SLAs,
reminders and review periods run on the team's own zone)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput, NotFound
from leadflow.phrases import N_
from leadflow.rules.config import RulesConfig
from leadflow.rules.timing import first_contact_due
from leadflow.rules.vocab import Priority
from leadflow.schemas import MAX_ID, validated
from leadflow.store.capacity import OPEN
from leadflow.store.models import Lead, Team
from leadflow.store.uow import flush
from leadflow.store.writer import write
from leadflow.team.managers import ManagerIn, both_given, managers_of, set_managers
from leadflow.team.reps import TeamIn, check_managers

# What `teams set` and PATCH /teams/{id} change; the territory is set when the team is made,
# but for its customer types (seed 000: a team may come to take individual customers).
EDITABLE = (
    "name",
    "manager_name",
    "manager_email",
    "managers",
    "notify_url",
    "timezone",
    "customer_types",
)
_FIRST_MANAGER = {"manager_name", "manager_email"}


def get_team(session: Session, team_id: int) -> Team:
    """The team, or NotFound (also for an id no row can have)."""
    team = session.get(Team, team_id) if 1 <= team_id <= MAX_ID else None
    if team is None:
        raise NotFound(N_("team {team} does not exist", team=team_id))
    return team


def update_team(
    session: Session, team_id: int, changes: dict[str, Any], *, rules: RulesConfig
) -> Team:
    """Change a team's name, managers (a whole list, or the first by manager_name and
    manager_email), notify URL, customer types or time zone (null: the default zone). A
    new zone recounts the first-contact deadlines of the team's leads not yet contacted on
    the new local clock."""
    team = get_team(session, team_id)
    unknown = sorted(set(changes) - {*EDITABLE, "no_email"})
    if unknown:
        raise InvalidInput(
            N_(
                "{unknown}: not a field that can be changed ({editable})",
                unknown=unknown[0],
                editable=", ".join(EDITABLE),
            ),
            {name: "cannot be changed" for name in unknown},
        )
    if not changes:
        raise InvalidInput(
            N_(
                "nothing to change: name at least one of {editable}",
                editable=", ".join(EDITABLE),
            ),
            {"(record)": "empty"},
        )
    if "managers" in changes and _FIRST_MANAGER & changes.keys():
        raise both_given()
    current = {
        f: getattr(team, f) for f in TeamIn.model_fields if f not in ("no_email", "managers")
    }
    after = {**current, **changes}
    # A team made with --no-email stays accepted while it has no address; one that had an
    # address loses it only with no_email said again.
    had_none = not (any(m.email for m in team.managers) or team.notify_url)
    has_none = not (after.get("manager_email") or after.get("notify_url"))
    after["no_email"] = changes.get("no_email", had_none and has_none)
    merged: TeamIn = validated(TeamIn, after)
    people = _managers_after(team, merged, changes)
    taken = session.scalar(select(Team.id).where(Team.name == merged.name, Team.id != team_id))
    if taken is not None:
        raise InvalidInput(
            N_("name: a team named {name!r} exists", name=merged.name), {"name": N_("taken")}
        )
    old_zone = team.timezone
    for name in ("name", "notify_url", "timezone"):
        setattr(team, name, getattr(merged, name))
    set_managers(team, people)
    team.customer_types = [t.value for t in merged.customer_types]
    # A zone set to null goes back to the default, as for a team made without one.
    team.timezone = merged.timezone or rules.calendar.default_timezone
    session.flush()
    if team.timezone != old_zone:
        _recount_first_contact(session, team, rules)
    return team


def add_manager(
    session: Session, team_id: int, person: dict[str, Any], *, rules: RulesConfig
) -> Team:
    """Add a manager (name, email) after the team's others; notices go to them too."""
    team = get_team(session, team_id)
    new: ManagerIn = validated(ManagerIn, person)
    people = managers_of(team)
    if any(new.same_person(p) for p in people):
        who = new.email or new.name
        raise InvalidInput(
            N_(
                "manager: {who} already manages team {name!r}",
                who=who,
                name=team.name,
            ),
            {"manager": "already there"},
        )
    return update_team(session, team_id, {"managers": _dumped([*people, new])}, rules=rules)


def remove_manager(session: Session, team_id: int, who: str, *, rules: RulesConfig) -> Team:
    """Remove the manager with this email (or, without one, this name) from the team."""
    team = get_team(session, team_id)
    people = managers_of(team)
    probe: ManagerIn = validated(ManagerIn, {"email" if "@" in who else "name": who})
    kept = [p for p in people if not probe.same_person(p)]
    if len(kept) == len(people):
        names = ", ".join(p.email or p.name or "" for p in people) or "none"
        raise InvalidInput(
            N_(
                "manager: {who} does not manage team {name!r} (its managers: {names})",
                who=who,
                name=team.name,
                names=names,
            ),
            {"manager": "not a manager of the team"},
        )
    return update_team(session, team_id, {"managers": _dumped(kept)}, rules=rules)


def _dumped(people: list[ManagerIn]) -> list[dict[str, Any]]:
    return [p.model_dump() for p in people]


def _managers_after(team: Team, merged: TeamIn, changes: dict[str, Any]) -> list[ManagerIn]:
    """The managers after a change: a new list as given (checked for addresses), a new
    first manager from manager_name/manager_email, or the ones the team has."""
    people = managers_of(team)
    if merged.managers is not None:
        check_managers(merged.managers, merged.notify_url, merged.no_email)
        return merged.managers
    if _FIRST_MANAGER & changes.keys():
        if merged.manager_name or merged.manager_email:
            first = ManagerIn(name=merged.manager_name, email=merged.manager_email)
            return [first, *people[1:]]
        return people[1:]
    return people


def _recount_first_contact(session: Session, team: Team, rules: RulesConfig) -> None:
    """On the business clock a first-contact deadline depends on the team's zone: count the
    owed ones again from their assignment (on the wall clock nothing changes)."""
    if rules.sla.clock != "business":
        return
    zone = ZoneInfo(team.timezone)
    owed = select(Lead).where(
        Lead.team_id == team.id,
        Lead.state.in_(OPEN),
        Lead.owner_id.is_not(None),
        Lead.assigned_at.is_not(None),
        Lead.first_contacted_at.is_(None),
    )
    for lead in session.scalars(owed):
        assert lead.assigned_at is not None  # the query says so
        due = first_contact_due(lead.assigned_at, Priority(lead.priority or "low"), rules, zone)
        write(lead, first_contact_due=due)
    flush(session)
