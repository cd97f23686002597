"""Per-request plumbing: one unit of work, the caller's key and role, and lead access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from leadflow.api.contract import check_path_ids
from leadflow.bootstrap import unit_of_work
from leadflow.errors import NotFound
from leadflow.lifecycle.lookup import get_lead
from leadflow.phrases import N_, either
from leadflow.rules.access import Viewer
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Role
from leadflow.schemas import MAX_ID, RowId
from leadflow.settings import Settings
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork
from leadflow.team.keys import find_key

ANYONE = (Role.system, Role.rep, Role.manager, Role.director)
STAFF = (Role.rep, Role.manager, Role.director)
CREATORS = (Role.system, Role.manager, Role.director)
MANAGERS = (Role.manager, Role.director)

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <key>")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: <key>")


@dataclass(frozen=True)
class Principal:
    """Who is calling: their key, role and (for a rep key) rep."""

    key_id: int
    role: Role
    rep_id: int | None
    name: str

    @property
    def actor(self) -> str:
        """How this caller appears in history and audit rows."""
        return f"{self.role.value}:{self.name}"[:120]

    def sees_sensitive(self, lead: Lead) -> bool:
        """Owner, managers and directors see budgets and notes (the rule every export
        follows too)."""
        return Viewer(self.role, self.rep_id).sees_sensitive(lead.owner_id)


def settings_of(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def rules_of(request: Request) -> RulesConfig:
    """The rule book of the app's settings."""
    return settings_of(request).rules()


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    """One unit of work per request: routes commit on success, anything else rolls back."""
    with unit_of_work("api", url=settings_of(request).database_url) as uow:
        yield uow


Uow = Annotated[UnitOfWork, Depends(get_uow)]


def presented_key(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> str | None:
    """The key the caller sent in `Authorization: Bearer` or `X-API-Key`, if any."""
    return bearer.credentials if bearer else header


def principal_of(session: Session, token: str | None) -> Principal:
    """The caller whose live key this is; 401 for no key, an unknown or a revoked one."""
    key = find_key(session, token.strip()) if token else None
    if key is None:
        raise HTTPException(
            401,
            N_("a valid API key is required (Authorization: Bearer <key> or X-API-Key)"),
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Principal(key.id, Role(key.role), key.rep_id, key.name)


def authenticate(uow: Uow, token: Annotated[str | None, Depends(presented_key)]) -> Principal:
    """The caller's live key, from `Authorization: Bearer` or `X-API-Key`; else 401."""
    principal = principal_of(uow.session, token)
    uow.actor = principal.actor
    uow.session.info["actor"] = principal.actor
    uow.session.info["api_key_id"] = principal.key_id  # leads it stores name the key
    return principal


def check_role(principal: Principal, roles: tuple[Role, ...]) -> None:
    """403 unless the caller's role is one of `roles`."""
    if principal.role not in roles:
        raise HTTPException(
            403,
            N_(
                "a {role} key may not do this; needs {roles}",
                role=principal.role.value,
                roles=either([r.value for r in roles]),
            ),
        )


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency admitting only the given roles (403 for the others), then checking the
    path's ids (404 for one no row can have)."""

    def check(
        request: Request, principal: Annotated[Principal, Depends(authenticate)]
    ) -> Principal:
        check_role(principal, roles)
        check_path_ids(request)  # 401 and 403 first: a caller without a key learns nothing
        return principal

    return check


def lead_for(session: Session, principal: Principal, lead_id: int) -> Lead:
    """The lead if this caller may see it; a rep's view of another's lead, and a system
    key's of a lead it did not create, is a 404."""
    lead = get_lead(session, lead_id)
    if principal.role is Role.rep and lead.owner_id != principal.rep_id:
        raise NotFound(N_("lead {lead} does not exist", lead=lead_id))
    if principal.role is Role.system and lead.created_by_key != principal.key_id:
        raise NotFound(N_("lead {lead} does not exist", lead=lead_id))
    return lead


OwnerQuery = Annotated[RowId | None, Query(description="Owner rep id")]


async def raw_body(request: Request) -> bytes:
    """The request body as sent (size-limited by the guard middleware)."""
    return await request.body()


def now() -> dt.datetime:
    """The request's clock."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class PageParams:
    """Keyset paging on id: rows after `cursor`, at most `limit` of them."""

    cursor: int | None
    limit: int


def page_params(
    cursor: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="next_cursor of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PageParams:
    """Paging query parameters."""
    return PageParams(cursor, limit)
