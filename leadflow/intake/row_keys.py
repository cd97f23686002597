"""Keys of imported rows (issue 30 item 7): a row of a file imported again is known by its
key and skipped, so a re-run after a crash adds no touch and sends no notice twice.

A row with an external id is keyed by that id alone: it is the source's own name for the
record, the same in any file (as intake already takes it: a record sent again with the
same external id is the same record). A row without one is keyed by the file and the row:
the SHA-256 of the file's bytes, the row's number and its content. The same file is the
same bytes, whatever its name or folder, so a renamed or copied file is still the same
file. A file changed in any way (a row added, re-saved by Excel, re-encoded) is another
file, and a row of it that reads like an earlier one is a new inquiry: without an external
id a row cannot tell a repeat from a new inquiry in the same words, and losing an inquiry
is worse than keeping one touch too many. Only stored rows are keyed: a rejected row is
quarantined again on a re-run, so that it comes in once a mapping or rule lets it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from leadflow.store.outbound_models import ImportRowKey

_LOOKUP_CHUNK = 1000  # keys per IN list


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes: what makes two files the same file."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def row_key(file: str, row_no: int, raw: Any) -> str:
    """The key of one row of the file whose digest is `file` (see the module's docstring)."""
    external = raw.get("external_id") if isinstance(raw, dict) else None
    if external is not None and str(external).strip():
        basis: list[Any] = ["external_id", str(external).strip()]
    else:  # a sheet's row as the file has it, under its own headers
        basis = ["row", file, row_no, getattr(raw, "verbatim", raw)]
    text = json.dumps(basis, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def stored_keys(session: Session, keys: Collection[str]) -> dict[str, str]:
    """Of `keys`, those already stored, each with the run of the import that stored it."""
    wanted = sorted(keys)
    found: dict[str, str] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        part = wanted[start : start + _LOOKUP_CHUNK]
        found.update(
            session.execute(
                select(ImportRowKey.key, ImportRowKey.run).where(ImportRowKey.key.in_(part))
            )
            .tuples()
            .all()
        )
    return found


def record_keys(
    session: Session, keys: Iterable[str], run: str, origin: str, now: dt.datetime
) -> None:
    """Keep the keys of rows just stored, in the caller's transaction."""
    rows = [
        {"key": key, "run": run, "origin": origin[:200], "imported_at": now}
        for key in sorted(set(keys))
    ]
    if rows:
        session.execute(insert(ImportRowKey), rows)
