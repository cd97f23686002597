"""Chunk rows for set-based jobs (the intake chunk, the re-grade, storing a batch of new
leads). Single-lead operations use the ORM instead.

A chunk's leads are plain `LeadRow`s that the rules change through the one lead writer
(`store/writer.py`, which also writes them back in one version-checked executemany UPDATE).
New leads go in with one executemany INSERT (`insert_leads`). Append-only rows (transition
audit, field history, outbox) are collected in the chunk's `ChunkRows` and inserted with
one statement per table when the chunk's block ends.

Why not ORM objects here: the unit of work flushes changed rows one UPDATE at a time, and
instrumenting every attribute set and building an object per audit row cost more than the
rules themselves (measured: the flush alone was half of an intake chunk). A row is moved
by the same lifecycle machine as a Lead, through the writer's `fire`, so there is still
one machine."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Insert,
    Table,
    Text,
    bindparam,
    column,
    func,
    insert,
    select,
    text,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from leadflow.store.models import Lead, stored_utc

LEADS = cast(Table, Lead.__table__)
_COLUMNS = tuple(c.key for c in LEADS.columns)
_WRITABLE = tuple(k for k in _COLUMNS if k not in ("id", "version", "updated_at"))


class ChunkRows:
    """A chunk's append-only rows, kept as plain values and inserted table by table, in the
    order they were added, by `write` (one statement per table)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pending: dict[Any, list[dict[str, Any]]] = {}

    def add(self, model: Any, values: dict[str, Any]) -> None:
        """Keep one row of `model` for the chunk's insert."""
        self.pending.setdefault(model, []).append(values)

    def write(self) -> None:
        """Insert the rows kept so far in the session's transaction."""
        connection = self.session.connection()
        for model, rows in self.pending.items():  # Core: the ORM's bulk insert re-sorts rows
            insert_rows(connection, model.__table__, rows)
        self.pending.clear()


@contextmanager
def chunk_rows(session: Session) -> Iterator[ChunkRows]:
    """A chunk's row writer; when the block ends, the session's ORM changes (a merge into a
    stored lead, say) are flushed and the chunk's rows inserted."""
    rows = ChunkRows(session)
    yield rows
    session.flush()
    rows.write()


# Where an append-only row goes: a chunk's set-based writer, or a single-lead operation's
# session (as an ORM object). The caller says which by what it passes.
RowTarget = Session | ChunkRows


def add_row(target: RowTarget, model: Any, values: dict[str, Any]) -> None:
    """Add one append-only row to a chunk's writer, or to a session as an ORM object."""
    if isinstance(target, ChunkRows):
        target.add(model, values)
    else:
        target.add(model(**values))


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert the rows (each naming the same columns, as an executemany needs) in order:
    an executemany, or on PostgreSQL one INSERT .. SELECT from the rows sent as one JSON
    array (`json_to_recordset`), a statement whose text never changes.

    Measured on PostgreSQL: an executemany runs a statement per row there (with two chunks
    at once, the re-grade's history inserts at 1M leads took 24 s that way, 13 s from an
    array per column). An array per column was then the largest cost of an API batch:
    psycopg builds each array element by element in Python. Storing a batch's new leads
    (`insert_leads`, 100 leads) took 3.6 ms of the worker's CPU that way and 1.9 ms from
    JSON, which the server parses for about 0.5 ms more."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    payload = json.dumps(rows, default=_json_value, ensure_ascii=False)
    connection.execute(_insert_from_json(table, tuple(rows[0])), {"rows": payload})


def _json_value(value: Any) -> str:
    """A value JSON has no type for, as PostgreSQL reads it back: times in ISO 8601, in UTC
    as the UtcDateTime columns store them; dates in ISO 8601; decimals as their digits."""
    if isinstance(value, dt.datetime):
        return stored_utc(value).isoformat()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@lru_cache(maxsize=64)
def _insert_from_json(table: Table, names: tuple[str, ...]) -> Insert:
    given = (
        func.json_to_recordset(sql_cast(bindparam("rows", type_=Text()), JSON))
        .table_valued(*(column(name, table.c[name].type) for name in names))
        .render_derived("given", with_types=True)
    )
    return insert(table).from_select(list(names), select(*(given.c[name] for name in names)))


def insert_leads(session: Session, values: list[dict[str, Any]]) -> list[int]:
    """Insert new leads' rows; returns their ids in order. On SQLite an executemany
    INSERT .. RETURNING in parameter order. On PostgreSQL the ids come from the sequence
    first and go in with the rows, as one INSERT from JSON (`insert_rows`) when every row
    names the same columns: psycopg parses each multi-row INSERT .. RETURNING in Python,
    and that parse was a third of storing (bench/README.md, issue 27: without it the API
    missed its p99 and the bulk intake its 8x)."""
    if not values:
        return []
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        returning = insert(LEADS).returning(LEADS.c.id, sort_by_parameter_order=True)
        return list(connection.execute(returning, values).scalars())
    ids = sorted(
        connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('leads', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": len(values)},
        ).scalars()
    )
    rows = [{**row, "id": lead_id} for row, lead_id in zip(values, ids, strict=True)]
    if all(row.keys() == rows[0].keys() for row in rows):
        insert_rows(connection, LEADS, rows)
    else:
        connection.execute(insert(LEADS), rows)
    return ids


class LeadRow:
    """One lead's column values as attributes, remembering what was loaded."""

    def __init__(self, rows: ChunkRows, values: Mapping[Any, Any]) -> None:
        self.__dict__.update(values)
        self._rows = rows
        self._loaded = dict(values)

    # Typed for the lifecycle machine and the rules; every other column is an attribute too.
    id: int
    state: str
    version: int

    def __getattr__(self, name: str) -> Any:  # only for names not loaded: a clear error
        raise AttributeError(f"lead column {name!r} was not loaded for lead {self.id}")

    if TYPE_CHECKING:  # columns are plain attributes; no __setattr__ cost at run time

        def __setattr__(self, name: str, value: Any) -> None: ...

    @property
    def rows(self) -> ChunkRows:
        """The chunk's rows (and session) this lead belongs to."""
        return self._rows

    def keep(self, model: Any, values: dict[str, Any]) -> None:
        """Keep an append-only row (an audit row, say) in the chunk's rows."""
        self._rows.add(model, values)

    def loaded(self) -> dict[str, Any]:
        """The column values as loaded (or as last saved)."""
        return self._loaded

    def changes(self) -> dict[str, Any]:
        """The columns whose values differ from what was loaded."""
        now, loaded = self.__dict__, self._loaded
        diff = {}
        for key in _WRITABLE:
            if key in now:
                if key not in loaded:  # its old value is unknown: history would lie
                    raise RuntimeError(
                        f"lead column {key!r} was set on lead {self.id} but "
                        "not loaded; add it to the columns loaded"
                    )
                if now[key] != loaded[key]:
                    diff[key] = now[key]
        return diff


def load_rows(
    rows: ChunkRows,
    where: ColumnElement[bool],
    *,
    columns: Iterable[str] | None = None,
    lock: bool = False,
) -> list[LeadRow]:
    """The leads matching `where`, oldest first, with the named columns (id, version and
    state always; every column by default), bound to the chunk's rows. With `lock` on
    PostgreSQL the rows are claimed FOR UPDATE SKIP LOCKED: concurrent chunk jobs skip
    each other's rows instead of waiting."""
    session = rows.session
    names = (
        _COLUMNS
        if columns is None
        else (
            "id",
            "version",
            "state",
            *(c for c in dict.fromkeys(columns) if c not in ("id", "version", "state")),
        )
    )
    query = select(*(LEADS.c[name] for name in names)).where(where).order_by(LEADS.c.id)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    result = session.execute(query)
    keys = tuple(result.keys())
    return [LeadRow(rows, dict(zip(keys, values, strict=True))) for values in result]
