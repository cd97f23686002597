"""Importing a lead file in chunks, so memory stays flat whatever its row count.

Each chunk goes through the intake's own `store_leads` in the caller's transaction (a
later chunk's duplicates of an earlier one merge into it, as within one batch). A row an
earlier import stored (known by its key, intake/row_keys.py) is skipped: importing a file
again adds no touch and sends no notice for it. The report keeps the counts and the first
rejections; every rejected row is in the quarantine."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from leadflow.intake.receive import store_leads
from leadflow.intake.row_keys import file_digest, record_keys, row_key, stored_keys
from leadflow.rules.config import RulesConfig
from leadflow.schemas import ImportSummary, LeadIn, field_errors, read_lead
from leadflow.sheets.files import LeadFile
from leadflow.store.models import utcnow


class ImportReport(BaseModel):
    """What an import did: counts, how the file was read, the first rejections."""

    file: dict[str, Any] = {}
    accepted: int = 0
    duplicates: int = 0  # rows merged into an existing lead
    reactivated: int = 0  # lost leads those rows brought back
    assigned: int = 0  # of those, the ones given an owner (new leads: the intake's count)
    rejected: int = 0
    replayed: int = 0  # rows an earlier import stored, skipped
    rejections: list[dict[str, Any]] = []  # the first `shown` of them

    def add(self, summary: ImportSummary, shown: int) -> None:
        """Count one chunk's summary in."""
        self.accepted += summary.accepted
        self.duplicates += summary.duplicates
        self.reactivated += summary.reactivated
        self.assigned += summary.assigned
        self.rejected += summary.rejected
        self.rejections += summary.rejections[: max(shown - len(self.rejections), 0)]


def chunks(rows: Iterable[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    """Successive lists of at most `size` rows."""
    source = iter(rows)
    while batch := list(islice(source, size)):
        yield batch


def import_file(
    session: Session,
    lead_file: LeadFile,
    origin: str,
    rules: RulesConfig,
    *,
    chunk_rows: int,
    shown: int,
    by_hand: bool = True,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> ImportReport:
    """Store every record of the file in the caller's transaction, a chunk at a time,
    skipping the rows an earlier import stored; a person's file waits for a supervisor's
    check (`by_hand`). `on_progress` hears the rows read so far after each chunk (the
    total is not known while the file streams)."""
    report = ImportReport(file=lead_file.describe())
    digest, run, now = file_digest(lead_file.path), uuid.uuid4().hex, utcnow()
    read = 0
    for batch in chunks(lead_file.rows, chunk_rows):
        keyed = [(row_key(digest, row_no, raw), (row_no, raw)) for row_no, raw in batch]
        stored = stored_keys(session, {key for key, _ in keyed})
        # A key this run stored is a repeat within the file (one external id twice): it
        # merges as before. Only another run's key makes a replay.
        todo = [(key, row) for key, row in keyed if stored.get(key, run) == run]
        report.replayed += len(keyed) - len(todo)
        summary = store_leads(session, [row for _, row in todo], origin, rules, by_hand=by_hand)
        report.add(summary, shown)
        rejected = {r["row"] for r in summary.rejections}
        kept = (key for key, (row_no, _) in todo if row_no not in rejected and key not in stored)
        record_keys(session, kept, run, origin, now)
        session.expunge_all()  # merged leads are written; keep the session small
        read += len(batch)
        if on_progress is not None:
            on_progress(read, None)
    report.file = lead_file.describe()  # now with the footer rows found below the data
    return report


class DryRun(BaseModel):
    """What an import would do: the mapping, the first rows as parsed, the rejections."""

    file: dict[str, Any] = {}
    sample: list[dict[str, Any]] = []
    rows: int = 0
    valid: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = []  # the first `shown` of them


def dry_run(
    lead_file: LeadFile,
    *,
    sample_rows: int,
    shown: int,
    need_required: bool = True,
    on_rejection: Callable[[dict[str, Any]], None] | None = None,
) -> DryRun:
    """Read and validate every record without storing anything, as intake would under
    `need_required` (rules: data_quality); `on_rejection` sees each rejection as it is
    found (so all can be printed without keeping them)."""
    result = DryRun(file=lead_file.describe())
    now = utcnow()
    for row_no, raw in lead_file.rows:
        result.rows += 1
        lead, errors = _read(raw, now, need_required)
        if len(result.sample) < sample_rows:  # as intake reads it, or as the file has it
            shown_as = raw if lead is None else lead.model_dump(mode="json", exclude_defaults=True)
            result.sample.append(
                {"row": row_no, **(shown_as if isinstance(shown_as, dict) else {"(record)": raw})}
            )
        if not errors:
            result.valid += 1
            continue
        result.rejected += 1
        rejection = {"row": row_no, "errors": errors}
        if len(result.rejections) < shown:
            result.rejections.append(rejection)
        if on_rejection is not None:
            on_rejection(rejection)
    result.file = lead_file.describe()  # now with the footer rows found below the data
    return result


def _read(raw: Any, now: dt.datetime, need_required: bool) -> tuple[LeadIn | None, dict[str, str]]:
    """The record as intake reads it, or what is wrong with it."""
    problem = getattr(raw, "problem", None)
    if problem:
        return None, {"(record)": problem}
    try:
        return read_lead(raw, now, need_required=need_required), {}
    except ValidationError as exc:
        return None, field_errors(exc)
