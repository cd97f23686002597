"""The lead register as a file to take elsewhere and back: CSV or XLSX.

Columns are the lead record's own field names (spec §1), so `leadflow leads import` reads
the file back into the same leads, followed by what the pipeline made of each lead (id,
state, grade, ...; not imported). Rows are streamed from the database. Sensitive fields
are masked unless the reader's role sees them.

Formula safety: in the workbook, text that a spreadsheet could take for a formula is a
text cell with Excel's quote-prefix flag, its text unchanged. A CSV cannot say "text", so
such a cell gets a leading apostrophe (OWASP's advice), which the importer removes."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.progress import Report, counted
from leadflow.review.xlsx import FORMULA_START, MASK, REFUSALS, sheet_text, unwritable
from leadflow.review.xlsx_widths import DATE, IDENTIFIER, INTEGER, MONEY, TIME, ColumnWidths
from leadflow.rules.access import Viewer, mask_notes
from leadflow.rules.vocab import SENSITIVE, Role, State
from leadflow.schemas import LEAD_FIELDS
from leadflow.store.models import Lead

FORMATS = ("csv", "xlsx")
PIPELINE_COLUMNS = (
    "id",
    "state",
    "sub_stage",  # the stage inside a deal (seed 001), beside its state
    "grade",
    "priority",
    "score",
    "owner_id",
    "created_at",
)
COLUMNS = (*(f for f in LEAD_FIELDS if hasattr(Lead, f)), *PIPELINE_COLUMNS)
CHUNK = 2000  # rows fetched per round trip


@dataclass(frozen=True)
class ExportFilter:
    """Which leads, for whom."""

    role: str = Role.manager.value
    state: str | None = None
    owner: int | None = None

    @property
    def viewer(self) -> Viewer:
        """Who reads it, by the access rule the API and the review follow; a rep reads
        the leads of `owner`, their own."""
        if self.role == Role.rep.value and self.owner is None:
            raise InvalidInput(
                N_(
                    "owner: a rep's export needs --owner (a rep sees their own leads only)",
                ),
                {"owner": "required for role rep"},
            )
        return Viewer.of(self.role, self.owner if self.role == Role.rep.value else None)

    def query(self) -> Select[Any]:
        """The leads to export, oldest first, as plain rows."""
        viewer = self.viewer
        query = select(*(getattr(Lead, c) for c in COLUMNS)).order_by(Lead.id)
        if self.state is not None:
            states = [s.value for s in State]
            if self.state not in states:
                raise InvalidInput(
                    N_(
                        "state: {state!r} is not one of {states}",
                        state=self.state,
                        states=", ".join(states),
                    ),
                    {"state": "unknown state"},
                )
            query = query.where(Lead.state == self.state)
        owner = viewer.own_leads_only if viewer.own_leads_only is not None else self.owner
        if owner is not None:
            query = query.where(Lead.owner_id == owner)
        return query


def masked_fields(spec: ExportFilter) -> frozenset[str]:
    """The fields this export's reader may not see: none for managers, directors and a rep
    reading their own leads; budgets and notes for anyone else."""
    return frozenset() if spec.viewer.sees_sensitive(spec.owner) else frozenset(SENSITIVE)


def _cell(value: Any) -> Any:
    if isinstance(value, dict):  # what to confirm: "budget: 待定; timeline: Q3"
        value = "; ".join(f"{k}: {v}" for k, v in value.items()) or None
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    # Both formats, so a file taken back in is not refused for a character entries refuse.
    return sheet_text(value) if isinstance(value, str) else value


def _rows(session: Session, spec: ExportFilter) -> Iterator[list[Any]]:
    hidden = masked_fields(spec)
    for row in session.execute(spec.query().execution_options(yield_per=CHUNK)):
        yield [_shown(name, value, hidden) for name, value in zip(COLUMNS, row, strict=True)]


def _shown(name: str, value: Any, hidden: frozenset[str]) -> Any:
    """A cell as this export's reader may see it."""
    if name in hidden and value is not None:
        return MASK
    if name == "to_confirm" and hidden and value:  # a note may quote the budget
        return _cell(mask_notes(value, MASK))
    return _cell(value)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _write_csv(path: Path, rows: Iterator[list[Any]]) -> int:
    count = 0
    # UTF-8 with a BOM: Excel opens it with Chinese text intact.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_csv_text(v) for v in row])
            count += 1
    return count


# The number format of each numeric or date column (the rest are text).
FORMATS_BY_COLUMN = {
    "id": IDENTIFIER,
    "owner_id": IDENTIFIER,
    "employees": INTEGER,
    "score": INTEGER,
    "annual_revenue": MONEY,
    "budget_min": MONEY,
    "budget_max": MONEY,
    "timeline": DATE,
    "entered_at": TIME,
    "created_at": TIME,
}


def _xlsx_cell(sheet: Any, value: Any, fmt: str | None) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type, cell.quotePrefix = "s", True  # text as written, never run
        return cell
    if fmt is not None and value is not None and value != MASK:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = fmt
        return cell
    return value


def _write_xlsx(
    path: Path, rows: Callable[[], Iterator[list[Any]]], on_progress: Report | None
) -> int:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    formats = [FORMATS_BY_COLUMN.get(c) for c in COLUMNS]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Leads")
    # A write-only sheet writes its widths first: a pass over the rows measures them.
    measured = ColumnWidths(COLUMNS, formats)
    for row in rows():
        measured.measure(row)
    for i, width in enumerate(measured.widths(), 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(list(COLUMNS))
    count = 0
    for row in counted(rows(), on_progress):
        try:
            sheet.append([_xlsx_cell(sheet, v, f) for v, f in zip(row, formats, strict=True)])
        except REFUSALS:
            raise unwritable(sheet, "leads export", COLUMNS, row) from None
        count += 1
    book.save(path)
    return count


def export_leads(
    session: Session, path: Path, fmt: str, spec: ExportFilter, on_progress: Report | None = None
) -> int:
    """Write the lead register to `path` as csv or xlsx; returns the number of leads;
    `on_progress` hears the leads written so far."""
    if fmt not in FORMATS:
        raise InvalidInput(
            N_(
                "format: {fmt!r} is not one of {formats}",
                fmt=fmt,
                formats=", ".join(FORMATS),
            ),
            {"format": "unknown format"},
        )
    spec.query()  # a refused filter or reader is refused before any file is written
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return _write_csv(path, counted(_rows(session, spec), on_progress))
    # The workbook reads the leads twice: to fit its columns, then to write them.
    return _write_xlsx(path, partial(_rows, session, spec), on_progress)
