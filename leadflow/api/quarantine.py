"""/quarantine: rejected payloads kept verbatim, and their replay after a fix."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

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
from leadflow.api.intake import lead_ref
from leadflow.api.schemas import LeadRef, QuarantineItem, QuarantinePage
from leadflow.events import LEAD_CREATED, emit
from leadflow.intake import requests
from leadflow.store.queries import quarantine_page

router = APIRouter(prefix="/quarantine", tags=["quarantine"], route_class=LeadFlowRoute)
Manager = Annotated[Principal, Depends(require(*MANAGERS))]


@router.get("", response_model=QuarantinePage)
def list_quarantine(
    uow: Uow,
    _principal: Manager,
    page: Annotated[PageParams, Depends(page_params)],
    replayed: Annotated[
        bool | None, Query(description="Only replayed (true) or waiting (false) records")
    ] = None,
) -> QuarantinePage:
    """Rejected payloads, oldest first, with their errors."""
    rows, cursor = quarantine_page(uow.session, replayed, page.cursor, page.limit)
    return QuarantinePage(
        items=[QuarantineItem.model_validate(r) for r in rows], next_cursor=cursor
    )


@router.post(
    "/{record_id}/replay",
    status_code=201,
    response_model=LeadRef,
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LeadIn"}}},
        }
    },
    responses={
        200: {"model": LeadRef, "description": "Already replayed, or the lead existed: that lead"}
    },
)
def replay(
    record_id: int,
    request: Request,
    uow: Uow,
    principal: Manager,
    raw: Annotated[bytes, Depends(raw_body)],
) -> JSONResponse:
    """Retry a quarantined payload: send the corrected lead, or no body to retry it as
    stored. A corrected body that still fails is itself kept in quarantine."""
    origin = f"api key {principal.key_id}: replay of quarantine #{record_id}"
    lead_id, created, state = requests.replay(
        uow, record_id, raw if raw.strip() else None, origin, rules_of(request)
    )
    emit(LEAD_CREATED, [lead_id] if created else [])
    return JSONResponse(lead_ref(lead_id, state), status_code=201 if created else 200)
