"""API keys: issue one (shown once), list, revoke, and find the live key behind a token.

Only a sha256 of each token is stored; the prefix identifies a key in lists and logs."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput, NotFound
from leadflow.phrases import N_
from leadflow.rules.vocab import Role
from leadflow.store.auth_models import ApiKey
from leadflow.store.models import SalesRep, utcnow

TOKEN_PREFIX = "lfk_"
PREFIX_LENGTH = 12  # "lfk_" and 8 random characters: enough to tell keys apart


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(
    session: Session,
    role: str,
    rep_id: int | None = None,
    name: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """Issue a key; returns the row and the token, which is never stored or shown again."""
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInput(
            N_("role: {role!r} is not one of {roles}", role=role, roles=", ".join(Role)),
            {"role": N_("unknown value")},
        ) from None
    if chosen is Role.rep and rep_id is None:
        raise InvalidInput(N_("rep: a rep key must name its rep (--rep ID)"), {"rep": "required"})
    if chosen is not Role.rep and rep_id is not None:
        raise InvalidInput(N_("rep: only a rep key names a rep"), {"rep": N_("only for role rep")})
    if rep_id is not None and session.get(SalesRep, rep_id) is None:
        raise NotFound(N_("rep {rep} does not exist", rep=rep_id))
    if name is not None and not 1 <= len(name.strip()) <= 120:
        raise InvalidInput(N_("name: 1 to 120 characters"), {"name": N_("1 to 120 characters")})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=(name or "").strip() or f"{chosen.value} key",
        prefix=token[:PREFIX_LENGTH],
        hash=hash_token(token),
        role=chosen.value,
        rep_id=rep_id,
        created_at=now or utcnow(),
    )
    session.add(key)
    session.flush()
    return key, token


def key_row(key: ApiKey) -> dict[str, Any]:
    """A key as listed: never its token or hash."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "role": key.role,
        "rep_id": key.rep_id,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


def list_keys(session: Session) -> list[dict[str, Any]]:
    """Every key, revoked ones included."""
    return [key_row(k) for k in session.scalars(select(ApiKey).order_by(ApiKey.id))]


def revoke_key(session: Session, key_id: int, now: dt.datetime | None = None) -> ApiKey:
    """Revoke a key at once; revoking twice keeps the first time."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(N_("key {key_id} does not exist", key_id=key_id))
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
        session.flush()
    return key


def find_key(session: Session, token: str) -> ApiKey | None:
    """The live (not revoked) key for a presented token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return session.scalar(
        select(ApiKey).where(ApiKey.hash == hash_token(token), ApiKey.revoked_at.is_(None))
    )
