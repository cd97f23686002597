"""/teams and /reps: who sells where, their capacity, and whether they are away.

A rep that any lead, activity, target or key still refers to is not deleted (409): mark
the rep away instead, so history keeps pointing at a real person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import (
    ANYONE,
    MANAGERS,
    Principal,
    Uow,
    now,
    require,
    rules_of,
    settings_of,
)
from leadflow.api.schemas import MAX_BATCH, RepOut, RepPatch, TeamOut, TeamPatch
from leadflow.errors import NotFound
from leadflow.phrases import N_
from leadflow.rules.vocab import Role
from leadflow.team import org_import, teams
from leadflow.team import reps as svc
from leadflow.team.org_import import OrgImport
from leadflow.team.reachability import Unreachable, unreachable_people
from leadflow.team.reps import RepIn, TeamIn

router = APIRouter(tags=["reps and teams"], route_class=LeadFlowRoute)
Reader = Annotated[Principal, Depends(require(*ANYONE))]
Manager = Annotated[Principal, Depends(require(*MANAGERS))]
Member = Annotated[Principal, Depends(require(Role.rep, *MANAGERS))]


def _rep(uow: Uow, rep_id: int) -> RepOut:
    rows = {row["id"]: row for row in svc.rep_rows(uow.session)}
    if rep_id not in rows:
        raise NotFound(N_("rep {rep} does not exist", rep=rep_id))
    return RepOut.model_validate(rows[rep_id])


@router.get("/teams", response_model=list[TeamOut])
def list_teams(uow: Uow, _principal: Reader) -> list[TeamOut]:
    """Every team with its manager and territory."""
    return [TeamOut.model_validate(row) for row in svc.team_rows(uow.session)]


def _team(uow: Uow, team_id: int) -> TeamOut:
    return next(TeamOut.model_validate(r) for r in svc.team_rows(uow.session) if r["id"] == team_id)


@router.post("/teams", status_code=201, response_model=TeamOut)
def add_team(body: TeamIn, request: Request, uow: Uow, _principal: Manager) -> TeamOut:
    """Create a team (manager or director key); without a timezone it takes the default."""
    team = svc.add_team(
        uow.session,
        body.model_dump(mode="json"),
        default_timezone=settings_of(request).default_timezone,
    )
    uow.commit()
    return _team(uow, team.id)


@router.patch("/teams/{team_id}", response_model=TeamOut)
def update_team(
    team_id: int, body: TeamPatch, request: Request, uow: Uow, _principal: Manager
) -> TeamOut:
    """Change a team's time zone, name or managers (manager or director key): `managers`
    replaces the list; manager_name and manager_email change the first manager."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    teams.update_team(uow.session, team_id, changes, rules=rules_of(request))
    uow.commit()
    return _team(uow, team_id)


class OrgRows(BaseModel):
    """Rows of an organisation sheet as objects keyed by its column names (office,
    manager(s), agent, email, seniority, capacity, ...), numbered from 1 in errors."""

    model_config = ConfigDict(extra="forbid")

    rows: list[dict[str, str | int | float | None]] = Field(max_length=MAX_BATCH)
    dry_run: bool = Field(False, description="Check every row and report; save nothing.")


@router.post("/teams/import", response_model=OrgImport)
def import_teams(body: OrgRows, request: Request, uow: Uow, _principal: Manager) -> OrgImport:
    """Create or update teams by office name, as `leadflow teams import` does (manager or
    director key); bad rows are named and left out, the others kept."""
    report = org_import.import_teams(
        uow.session,
        org_import.table_rows(body.rows),
        rules=rules_of(request),
        default_timezone=settings_of(request).default_timezone,
        objects=True,
    )
    return _finish(uow, report, body.dry_run)


@router.post("/reps/import", response_model=OrgImport)
def import_reps(body: OrgRows, request: Request, uow: Uow, _principal: Manager) -> OrgImport:
    """Create or update reps by email, as `leadflow reps import` does (manager or director
    key); bad rows are named and left out, the others kept."""
    report = org_import.import_reps(
        uow.session,
        org_import.table_rows(body.rows),
        now=now(),
        rules=rules_of(request),
        objects=True,
    )
    return _finish(uow, report, body.dry_run)


def _finish(uow: Uow, report: OrgImport, dry_run: bool) -> OrgImport:
    report.dry_run = dry_run
    if not dry_run:
        uow.commit()
    return report


@router.get("/reps", response_model=list[RepOut] | list[Unreachable])
def list_reps(
    request: Request, uow: Uow, _principal: Reader, unreachable: bool = False
) -> list[RepOut] | list[Unreachable]:
    """Every rep with team, territory, open-lead load, capacity and away flag; with
    `unreachable=true`, the reps and managers without a working address instead, and why."""
    if unreachable:
        return unreachable_people(uow.session, now(), settings_of(request))
    return [RepOut.model_validate(row) for row in svc.rep_rows(uow.session)]


@router.post("/reps", status_code=201, response_model=RepOut)
def add_rep(body: RepIn, request: Request, uow: Uow, _principal: Manager) -> RepOut:
    """Create a rep (manager or director key); queued leads the rep can take are assigned."""
    rep = svc.add_rep(uow.session, body.model_dump(mode="json"), now=now(), rules=rules_of(request))
    uow.commit()
    return _rep(uow, rep.id)


@router.get("/reps/{rep_id}", response_model=RepOut)
def show_rep(rep_id: int, uow: Uow, _principal: Reader) -> RepOut:
    """One rep with their load."""
    return _rep(uow, rep_id)


@router.patch("/reps/{rep_id}", response_model=RepOut)
def update_rep(
    rep_id: int, body: RepPatch, request: Request, uow: Uow, principal: Member
) -> RepOut:
    """Change a rep: managers and directors change anything; a rep key may only mark its
    own rep away or present."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    if principal.role is Role.rep and (principal.rep_id != rep_id or set(changes) - {"away"}):
        raise HTTPException(403, N_("a rep key may only change its own rep's away flag"))
    svc.update_rep(uow.session, rep_id, changes, now=now(), rules=rules_of(request))
    uow.commit()
    return _rep(uow, rep_id)


@router.delete("/reps/{rep_id}", status_code=204)
def delete_rep(rep_id: int, uow: Uow, _principal: Manager) -> Response:
    """Delete a rep nothing refers to; otherwise 409 (mark the rep away instead)."""
    svc.delete_rep(uow.session, rep_id)
    uow.commit()
    return Response(status_code=204)
