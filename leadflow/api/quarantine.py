"""/quarantine: rejected payloads kept verbatim, and their replay after a fix."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import (
    MANAGERS,
    PageParams,
    Principal,
    Uow,
    page_params,
    raw_body,
    require,
    rules_of,
)
from leadflow.api.intake import (
    lead_ref,
    once_more_on_conflict,
    parse_lead,
    store_one,
    store_or_refuse,
)
from leadflow.api.schemas import LeadRef, QuarantineItem, QuarantinePage
from leadflow.errors import NotFound
from leadflow.events import LEAD_CREATED, emit
from leadflow.store.models import Lead
from leadflow.store.outbound_models import QuarantinedRecord
from leadflow.store.queries import quarantine_page

router = APIRouter(prefix="/quarantine", tags=["quarantine"], route_class=LeadFlowRoute)
Manager = Annotated[Principal, Depends(require(*MANAGERS))]


@router.get("", response_model=QuarantinePage)
def list_quarantine(
    uow: Uow, _principal: Manager, page: Annotated[PageParams, Depends(page_params)],
    replayed: Annotated[bool | None, Query(description="Only replayed (true) or "
                                                       "waiting (false) records")] = None,
) -> QuarantinePage:
    """Rejected payloads, oldest first, with their errors."""
    rows, cursor = quarantine_page(uow.session, replayed, page.cursor, page.limit)
    return QuarantinePage(items=[QuarantineItem.model_validate(r) for r in rows],
                          next_cursor=cursor)


@router.post("/{record_id}/replay", status_code=201, response_model=LeadRef,
             openapi_extra={"requestBody": {"required": False, "content": {
                 "application/json": {"schema": {"$ref": "#/components/schemas/LeadIn"}}}}},
             responses={200: {"model": LeadRef, "description": "Already replayed, or the "
                                                               "lead existed: that lead"}})
def replay(record_id: int, request: Request, uow: Uow, principal: Manager,
           raw: Annotated[bytes, Depends(raw_body)]) -> JSONResponse:
    """Retry a quarantined payload: send the corrected lead, or no body to retry it as
    stored. A corrected body that still fails is itself kept in quarantine."""
    record = uow.session.get(QuarantinedRecord, record_id)
    if record is None:
        raise NotFound(f"quarantined record {record_id} does not exist")
    if record.replayed_lead_id is not None:
        state = uow.session.scalar(select(Lead.state).where(Lead.id == record.replayed_lead_id))
        return JSONResponse(lead_ref(record.replayed_lead_id, str(state)), status_code=200)
    corrected = bool(raw.strip())
    origin = f"api key {principal.key_id}: replay of quarantine #{record_id}"
    rules = rules_of(request)

    def work() -> tuple[int, dict[str, Any], list[int]]:
        body = raw if corrected else record.payload.encode("utf-8")
        lead = parse_lead(uow, body, origin, keep=corrected)
        outcome = store_or_refuse(uow, origin, body, lambda: store_one(uow, lead, origin, rules),
                                  keep=corrected)
        record.replayed_lead_id = outcome.body["id"]
        uow.commit()
        return outcome.status, outcome.body, outcome.created

    status, body, created = once_more_on_conflict(uow, work)
    emit(LEAD_CREATED, created)
    return JSONResponse(body, status_code=status)
