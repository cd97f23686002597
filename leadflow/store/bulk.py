"""Bulk rows: inside `bulk_rows(session)`, append-only rows (transition audit, field
history, outbox) are kept as plain values and written with one executemany per table when
the block ends, instead of one ORM object each (measured: building and flushing those
objects was most of an intake chunk's time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

_KEY = "leadflow.bulk_rows"


def add_row(session: Session, model: Any, values: dict[str, Any]) -> None:
    """Add one row of `model` to the session's transaction: collected for one bulk insert
    inside `bulk_rows`, an ORM object otherwise."""
    pending: dict[Any, list[dict[str, Any]]] | None = session.info.get(_KEY)
    if pending is None:
        session.add(model(**values))
    else:
        pending.setdefault(model, []).append(values)


@contextmanager
def bulk_rows(session: Session) -> Iterator[None]:
    """Collect rows added with `add_row` during the block (and the flush that ends it), then
    insert them table by table in the order they were added, in the same transaction."""
    pending: dict[Any, list[dict[str, Any]]] = {}
    session.info[_KEY] = pending
    try:
        yield
        session.flush()  # field history is collected while the leads' changes are flushed
    finally:
        session.info.pop(_KEY, None)
    connection = session.connection()
    for model, rows in pending.items():  # Core: the ORM's bulk insert re-sorts every row
        connection.execute(insert(model.__table__), rows)
