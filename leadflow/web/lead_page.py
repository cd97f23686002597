"""/app/leads/{id}: a lead as its reader may see it, and a form for each action the role
may take. Each form calls the API's own route function with the API's own body model, so
the workbench refuses and records exactly what the API does."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow import i18n
from leadflow.api import checks, followups, lead_actions, lead_contract, lead_ops, minutes
from leadflow.api.action_schemas import (
    ActivityIn,
    AssessmentIn,
    CriteriaIn,
    DeviationIn,
    ObjectionIn,
    PlanAtIn,
    StageIn,
    TransitionIn,
)
from leadflow.api.checks import CheckIn, GradeConfirmationIn
from leadflow.api.deps import MANAGERS, STAFF, Uow, check_role, lead_for, rules_of
from leadflow.api.followups import BriefIn, WinReviewIn
from leadflow.api.minutes import MinutesIn
from leadflow.api.ops_schemas import AnswerIn, AssignIn, InvalidReviewIn, LeadPatch, WinIn
from leadflow.api.present import lead_detail
from leadflow.errors import LeadFlowError, NotFound
from leadflow.handoff.details import HandoffIn
from leadflow.lifecycle.contract import ContractIn
from leadflow.rules.vocab import Role
from leadflow.store.models import SalesRep
from leadflow.store.outbound_models import Handoff
from leadflow.web.facts import (
    FACTS,
    fact,
    field_label,
    point_label,
    score_facts,
    timeline,
    vocabulary_of,
)
from leadflow.web.render import go, page, refusal
from leadflow.web.session import Form, Signed, WebSession, checked

router = APIRouter(prefix="/app/leads", include_in_schema=False)
Call = Callable[..., Any]
# The facts the edit form shows; budgets and notes only to those who may see them.
EDIT_FIELDS = ("company_name", "contact_name", "contact_title", "phone", "email", "need")
EDIT_SENSITIVE = ("internal_notes",)
# The entry check's fields are named fix.<field>: a changed one is corrected by the check.
FIX = "fix."
# Fields whose textarea holds a list, one item a line (the API's JSON list).
LIST_FIELDS = {"minutes": ("agreed", "open_issues")}


@dataclass(frozen=True)
class Action:
    """One form: who may post it, the API's body model, and how the API route is called."""

    roles: tuple[Role, ...]
    body: type[BaseModel] | None
    call: Call


ACTIONS: dict[str, Action] = {
    "contact": Action(STAFF, ActivityIn, lead_actions.log_activity),
    "objection": Action(STAFF, ObjectionIn, lead_actions.add_objection),
    "criteria": Action(STAFF, CriteriaIn, lead_actions.set_criteria),
    "assess": Action(STAFF, AssessmentIn, lead_actions.assess),
    "plan": Action(STAFF, PlanAtIn, lead_ops.plan),
    "approve": Action(MANAGERS, None, lead_actions.approve),
    "transition": Action(STAFF, TransitionIn, lead_actions.fire_trigger),
    "contract": Action(STAFF, ContractIn, lead_contract.put_contract),
    "contract-approval": Action(MANAGERS, None, lead_contract.approve),
    "win": Action(STAFF, WinIn, lead_ops.win_deal),
    "edit": Action(STAFF, LeadPatch, lead_ops.edit),
    "assign": Action(MANAGERS, AssignIn, lead_ops.assign),
    "invalid-review": Action(MANAGERS, InvalidReviewIn, lead_ops.invalid_review),
    "handoff": Action(STAFF, HandoffIn, followups.handoff),
    "answer": Action(STAFF, AnswerIn, lead_ops.answer),
    "grade-confirmation": Action(MANAGERS, GradeConfirmationIn, checks.grade_confirmation),
    "price-deviation": Action(MANAGERS, DeviationIn, lead_actions.price_deviation),
    "stage": Action(STAFF, StageIn, lead_actions.move_stage),
    "minutes": Action(STAFF, MinutesIn, minutes.add_minutes),
    "brief": Action(STAFF, BriefIn, followups.brief),
    "win-review": Action(STAFF, WinReviewIn, followups.win_review),
    "verify": Action(STAFF, None, checks.verify),
    "check": Action(MANAGERS, CheckIn, checks.check),
}


def call_route(route: Call, **given: Any) -> Any:
    """Call an API route function with the arguments it takes (its body, request, unit of
    work and principal, as FastAPI would pass them)."""
    wanted = inspect.signature(route).parameters
    return route(**{name: value for name, value in given.items() if name in wanted})


def _values(action: str, form: dict[str, str]) -> dict[str, Any]:
    """A form's fields as the API's JSON body would carry them: an empty field is left
    out, a ticked box is true, an edit sends only what the person changed."""
    values: dict[str, Any] = {}
    for name, text in form.items():
        if name.startswith("was.") or name == "back" or text.strip() == "":
            continue
        values[name] = True if text == "true" else text
    for name in LIST_FIELDS.get(action, ()):
        if name in values:
            values[name] = [line.strip() for line in values[name].splitlines() if line.strip()]
    if action == "edit":
        values = {
            k: v for k, v in values.items() if k == "version" or form.get(f"was.{k}", "") != v
        }
    if action == "check":  # the facts the supervisor changed are the fix, else it is ok
        fix = {
            k.removeprefix(FIX): v
            for k, v in values.items()
            if k.startswith(FIX) and form.get(f"was.{k.removeprefix(FIX)}", "") != v
        }
        values = {k: v for k, v in values.items() if not k.startswith(FIX)}
        values |= {"fix": fix} if fix else {"ok": True}
    return values


def rep_choices(session: Session) -> list[tuple[str, str]]:
    """Every rep as a form offers them: the id sent, the name and id shown."""
    reps = session.execute(select(SalesRep.id, SalesRep.name).order_by(SalesRep.id)).all()
    return [(str(i), f"{name} (#{i})") for i, name in reps]


def _check_fields(
    detail: dict[str, Any], required: Iterable[str], sees_sensitive: bool
) -> list[str]:
    """What a supervisor's check may correct, first what it needs: the required facts
    still empty, what intake could not read (a budget or time as written, to those who
    may see it), then the other required facts and those the edit form shows."""
    named = [*detail["missing"], *(detail["to_confirm"] if sees_sensitive else ())]
    edits = EDIT_FIELDS + (EDIT_SENSITIVE if sees_sensitive else ())
    return list(dict.fromkeys([*named, *required, *edits]))


def _lead_page(
    request: Request,
    uow: Uow,
    signed: WebSession,
    lead_id: int,
    status: int = 200,
    refused: dict[str, Any] | None = None,
) -> HTMLResponse:
    principal = signed.principal
    try:
        lead = lead_for(uow.session, principal, lead_id)
    except NotFound as exc:
        return page(request, "error", signed, status=404, message=str(exc))
    detail = lead_detail(uow.session, lead, principal, rules_of(request))
    handoff = uow.session.scalar(select(Handoff).where(Handoff.lead_id == lead.id))
    shown = detail.model_dump(mode="json")
    return page(
        request,
        "lead",
        signed,
        status=status,
        lead=shown,
        check_fields=_check_fields(
            shown, rules_of(request).data_quality.required_fields, principal.sees_sensitive(lead)
        ),
        stages=rules_of(request).stages.of(lead.state),
        handoff=handoff,
        staff=principal.role in STAFF,
        sees_sensitive=principal.sees_sensitive(lead),
        edit_fields=EDIT_FIELDS + (EDIT_SENSITIVE if principal.sees_sensitive(lead) else ()),
        timeline=timeline,
        rep_choices=rep_choices(uow.session) if principal.role in MANAGERS else [],
        refused=refused or {},
        choices=choices,
        facts=FACTS,
        fact=fact,
        score_facts=score_facts,
        point_label=point_label,
        field_label=field_label,
        vocabulary_of=vocabulary_of,
        pairs=lambda values: [(v, v.replace("_", " ")) for v in values],
    )


def choices(vocabulary: str) -> list[tuple[str, str]]:
    """A closed vocabulary's values with their labels in the reader's language."""
    return [(v.value, i18n.label(vocabulary, v.value)) for v in i18n.VOCABULARIES[vocabulary]]


@router.get("/{lead_id}")
def show(lead_id: int, request: Request, uow: Uow, signed: Signed) -> HTMLResponse:
    """The lead: facts (masked by role), timeline, score and win probability, and forms."""
    return _lead_page(request, uow, signed, lead_id)


@router.post("/{lead_id}/objections/{objection_id}/answer")
def answer(
    lead_id: int, objection_id: int, request: Request, uow: Uow, signed: Signed, form: Form
) -> Response:
    """Answer one objection (the API's POST /leads/{id}/objections/{oid}/answer)."""
    extra = {"objection_id": objection_id}
    return _act(lead_id, "answer", request, uow, signed, form, extra)


@router.post("/{lead_id}/{action}")
def act(
    lead_id: int, action: str, request: Request, uow: Uow, signed: Signed, form: Form
) -> Response:
    """Post one of the lead's forms; a refusal shows the product's message by the field."""
    if action not in ACTIONS or action == "answer":
        return page(request, "error", signed, status=404, message=f"no action {action!r}")
    return _act(lead_id, action, request, uow, signed, form, {})


def _act(
    lead_id: int,
    name: str,
    request: Request,
    uow: Uow,
    signed: WebSession,
    form: dict[str, str],
    extra: dict[str, Any],
) -> Response:
    action = ACTIONS[name]
    fields = checked(signed, form)
    principal = signed.principal
    try:
        check_role(principal, action.roles)
        body = action.body.model_validate(_values(name, fields)) if action.body else None
        call_route(
            action.call,
            lead_id=lead_id,
            body=body,
            request=request,
            uow=uow,
            principal=principal,
            **extra,
        )
    except (LeadFlowError, HTTPException, ValidationError) as exc:
        uow.session.rollback()
        status, message, by_field = refusal(exc)
        if status == 404:
            return page(request, "error", signed, status=404, message=message)
        if status == 403 and name in ("assign", "invalid-review"):
            return page(request, "error", signed, status=403, message=message)
        if name == "check":  # the check's fields are its fixes
            by_field = {f"{FIX}{k}": v for k, v in by_field.items()}
        refused = {"action": name, "message": message, "fields": by_field, "sent": fields}
        return _lead_page(request, uow, signed, lead_id, status, refused)
    back = fields.get("back", "")
    return go(back if back.startswith("/app/") else f"/app/leads/{lead_id}#{name}")
