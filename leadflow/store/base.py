"""The store's declarative base, its column types and the store's own clock: what every
model module of leadflow.store builds on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, Numeric, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

Money = Numeric(14, 2)


def utcnow() -> dt.datetime:
    """Now, in UTC: the only clock the store reads (for bookkeeping columns)."""
    return dt.datetime.now(dt.UTC)


def stored_utc(value: dt.datetime) -> dt.datetime:
    """A time as LeadFlow stores it: in UTC; a naive time is refused, not guessed."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given; LeadFlow stores UTC-aware times only")
    return value.astimezone(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else stored_utc(value)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints stably."""

    # int is 64-bit on both backends (migration 0010); SQLite keeps INTEGER so that an
    # INTEGER PRIMARY KEY stays its rowid.
    type_annotation_map = {
        dt.datetime: UtcDateTime(),
        Decimal: Money,
        dict[str, Any]: JSON,
        list[str]: JSON,
        int: BigInteger().with_variant(Integer(), "sqlite"),
    }


Base.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
