"""/leads: take leads in (one or a batch, idempotently), list them, show one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import (
    ANYONE,
    CREATORS,
    OwnerQuery,
    PageParams,
    Principal,
    Uow,
    lead_for,
    page_params,
    raw_body,
    require,
    rules_of,
)
from leadflow.api.intake import (
    PARTIAL,
    Outcome,
    prepare_batch,
    remember,
    replayed,
    store_batch,
    store_one,
)
from leadflow.api.present import lead_detail
from leadflow.api.schemas import BatchOut, LeadOut, LeadPage, LeadRef, LeadSummary
from leadflow.errors import InvalidInput
from leadflow.events import LEAD_CREATED, emit
from leadflow.intake.requests import (
    fingerprint,
    once_more_on_conflict,
    parse_lead,
    reject,
    store_or_refuse,
)
from leadflow.phrases import N_
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Grade, Priority, Role, State
from leadflow.store.queries import LeadFilter, lead_page
from leadflow.store.uow import UnitOfWork

router = APIRouter(prefix="/leads", tags=["leads"], route_class=LeadFlowRoute)
Creator = Annotated[Principal, Depends(require(*CREATORS))]
Reader = Annotated[Principal, Depends(require(*ANYONE))]
IdemKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description="Repeat-safe key for this create call.")
]
Raw = Annotated[bytes, Depends(raw_body)]


def _body_doc(schema: str) -> dict[str, Any]:
    """OpenAPI for a body the route reads itself (so that a bad one can be quarantined)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    }


def by_hand(principal: Principal) -> bool:
    """A lead a person enters (a rep's, manager's or director's key) waits for a
    supervisor's check; one another system sends (a system key) does not."""
    return principal.role is not Role.system


def _accept(
    uow: UnitOfWork,
    principal: Principal,
    idem_key: str | None,
    path: str,
    raw: bytes,
    prepare: Callable[[str], Callable[[UnitOfWork], Outcome]],
    rules: RulesConfig,
) -> JSONResponse:
    """Prepare what needs no database (the store step), then answer a repeat from its
    Idempotency-Key or store; commit; then announce new leads."""
    print_ = fingerprint("POST", path, raw)
    origin = f"api key {principal.key_id}: POST {path}"
    store = prepare(origin)

    def attempt() -> Outcome:
        try:
            outcome = replayed(uow, principal.key_id, idem_key, print_)
        except InvalidInput as exc:  # a reused key: refused, but the payload is kept
            reject(uow, origin, raw.decode("utf-8", "backslashreplace"), exc.errors, rules)
        if outcome is None:
            outcome = store_or_refuse(uow, origin, raw, lambda: store(uow), rules)
            remember(uow, principal.key_id, idem_key, print_, outcome)
        uow.commit()
        return outcome

    outcome = once_more_on_conflict(uow, attempt)
    emit(LEAD_CREATED, outcome.created)  # after the commit, never before
    return JSONResponse(outcome.body, status_code=outcome.status)


@router.post(
    "",
    status_code=201,
    response_model=LeadRef,
    openapi_extra=_body_doc("LeadIn"),
    responses={200: {"model": LeadRef, "description": "A repeat: the original lead"}},
)
def create_lead(
    request: Request, uow: Uow, principal: Creator, raw: Raw, idem_key: IdemKey = None
) -> JSONResponse:
    """Take in one lead; a repeat (same external_id or Idempotency-Key) gets the original."""
    rules = rules_of(request)
    return _accept(
        uow,
        principal,
        idem_key,
        "/leads",
        raw,
        lambda origin: (
            lambda unit: store_one(
                unit, parse_lead(unit, raw, origin, rules), origin, rules, by_hand(principal)
            )
        ),
        rules,
    )


@router.post(
    "/batch",
    status_code=201,
    response_model=BatchOut,
    openapi_extra=_body_doc("LeadBatchIn"),
    responses={
        200: {"model": BatchOut, "description": "Every item was a repeat"},
        PARTIAL: {
            "model": BatchOut,
            "description": "Some or all items were rejected (each kept in quarantine, "
            "named in its result); the others were stored",
        },
    },
)
def create_batch(
    request: Request, uow: Uow, principal: Creator, raw: Raw, idem_key: IdemKey = None
) -> JSONResponse:
    """Take in up to 1,000 leads as {"leads": [...]}; each item is stored, recognised as a
    repeat, or quarantined with its errors."""
    rules = rules_of(request)

    def prepare(origin: str) -> Callable[[UnitOfWork], Outcome]:
        batch = prepare_batch(raw, origin, rules, by_hand(principal))
        return lambda unit: store_batch(unit, batch, origin, rules)

    return _accept(uow, principal, idem_key, "/leads/batch", raw, prepare, rules)


# The list's query parameters: any other is refused, not ignored (a misspelt `owner_id`
# filter would otherwise answer every lead).
LIST_QUERY = ("state", "owner", "grade", "priority", "stage", "cursor", "limit")


@router.get("", response_model=LeadPage)
def list_leads(
    request: Request,
    uow: Uow,
    principal: Reader,
    page: Annotated[PageParams, Depends(page_params)],
    state: Annotated[State | None, Query()] = None,
    owner: OwnerQuery = None,
    grade: Annotated[Grade | None, Query()] = None,
    priority: Annotated[Priority | None, Query()] = None,
    stage: Annotated[
        str | None, Query(max_length=60, description="Only deals at this sub-stage.")
    ] = None,
) -> LeadPage:
    """Leads in id order, filtered; a rep key sees only its own leads, a system key only
    those it created."""
    unknown = sorted(set(request.query_params) - set(LIST_QUERY))
    if unknown:
        raise InvalidInput(
            N_(
                "unknown query parameter(s) {unknown}; the list takes {list_query}",
                unknown=", ".join(map(repr, unknown)),
                list_query=", ".join(LIST_QUERY),
            ),
            dict.fromkeys(unknown, "unknown query parameter"),
        )
    where = LeadFilter(
        state=state,
        owner=owner,
        grade=grade,
        priority=priority,
        rep_id=principal.rep_id if principal.role is Role.rep else None,
        sub_stage=stage.strip() if stage else None,
        created_by_key=principal.key_id if principal.role is Role.system else None,
    )
    rows, cursor = lead_page(uow.session, where, page.cursor, page.limit)
    return LeadPage(items=[LeadSummary.model_validate(r) for r in rows], next_cursor=cursor)


@router.get(
    "/{lead_id}",
    response_model=LeadOut,
)
def show_lead(lead_id: int, request: Request, uow: Uow, principal: Reader) -> LeadOut:
    """One lead in full; budgets and notes are masked unless the caller is its owner, a
    manager or a director."""
    lead = lead_for(uow.session, principal, lead_id)
    return lead_detail(uow.session, lead, principal, rules_of(request))
