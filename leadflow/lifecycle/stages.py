"""The stage inside a deal (seed 001: 技术评估阶段, 价格谈判阶段): its owner, a manager or a
director moves an opportunity or a negotiation to one of its state's configured
sub-stages (config/rules.yaml: stages). Entering and leaving the state is handled by the
lead writer's `fire`: a lead enters at the first sub-stage and leaves without one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle.lookup import get_lead, lead_time
from leadflow.phrases import N_, either
from leadflow.rules.config import SUB_STAGED, RulesConfig
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import check_version, write

# What setting a sub-stage answers with (the CLI's --json, the API's StageOut).
STAGE_FIELDS = ("id", "version", "state", "sub_stage", "sub_stage_at")


def stage_of(lead: Lead) -> dict[str, Any]:
    """The lead's state, its sub-stage and when that was reached."""
    return {name: getattr(lead, name) for name in STAGE_FIELDS}


def set_stage(
    session: Session,
    lead_id: int,
    stage: str,
    *,
    now: dt.datetime,
    rules: RulesConfig,
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Lead:
    """Move the deal to `stage`, one of its state's configured sub-stages, reached `at`
    (default now). Refused for a lead not in a state with sub-stages, and for a name the
    state does not list (the refusal names the accepted ones). The same stage again
    changes nothing."""
    lead = get_lead(session, lead_id)
    check_version(lead, expected_version)
    accepted = rules.stages.of(lead.state)
    if not accepted:
        where = (
            N_(
                "sub-stages are off for {state} (config/rules.yaml: stages.{state} is empty)",
                state=lead.state,
            )
            if lead.state in SUB_STAGED
            else N_(
                "the lead is {state}; only a lead in {states} has one",
                state=lead.state,
                states=either(list(SUB_STAGED)),
            )
        )
        raise GuardRefused(lead.id, "stage", where)
    name = stage.strip()
    if name not in accepted:
        raise InvalidInput(
            N_(
                "stage: {stage} is not a sub-stage of {state}; use one of {stages}",
                stage=repr(name),
                state=lead.state,
                stages=", ".join(accepted),
            ),
            {"stage": N_("one of {stages}", stages=", ".join(accepted))},
        )
    when = lead_time(lead, at, now, "stage")
    if lead.sub_stage_at is not None and when < lead.sub_stage_at:
        raise InvalidInput(
            N_(
                "at: {when} is before lead {id} reached {sub_stage!r} ({sub_stage_at})",
                when=when.isoformat(timespec="seconds"),
                id=lead.id,
                sub_stage=lead.sub_stage,
                sub_stage_at=lead.sub_stage_at.isoformat(timespec="seconds"),
            ),
            {"at": "before the current sub-stage was reached"},
        )
    if name != lead.sub_stage:
        write(lead, sub_stage=name, sub_stage_at=when)
        flush(session)
    return lead
