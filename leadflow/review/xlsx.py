"""The review as one Excel workbook: the four working tables of the sales templates
(lead register, follow-up log, opportunity grading, period conversion review) and a summary.

Rows are streamed: Core queries read in chunks (`yield_per`) and openpyxl's write-only mode
writes each row as it comes, so a period of 100k+ leads never sits in memory as objects.
Text that a spreadsheet could take for a formula (= + - @ first) is stored unchanged as a
text cell (marked quote-prefixed, so no spreadsheet evaluates it and none shows a quote).
A rep's workbook holds only that rep's leads; sensitive columns are masked by the same rule
as the API's answers (leadflow.rules.access)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from leadflow.errors import Unwritable
from leadflow.i18n import explain, gettext, label, restricted
from leadflow.review.activity_targets import ACTIVITY_HEADERS, ACTIVITY_SHEET, activity_sheet
from leadflow.review.model import Review
from leadflow.review.period import Period
from leadflow.review.tiers import TIER_HEADERS, TIERS_SHEET, tier_cells
from leadflow.review.xlsx_tables import (
    CONVERSION_SHEET,
    INTEGER,
    MONEY,
    SUMMARY_SHEET,
    Column,
    conversion_rows,
    row_tables,
    summary_rows,
)
from leadflow.review.xlsx_widths import ColumnWidths, default_format
from leadflow.rules.access import Viewer, mask
from leadflow.rules.text import escaped

# The account tiers sheet (seed 004): built from the review, like the summary.
TIERS = [
    Column(header, header, fmt)
    for header, fmt in zip(TIER_HEADERS, (None, INTEGER, INTEGER, INTEGER, MONEY), strict=True)
]

MASK = "(restricted)"  # the lead export's placeholder (an export for other systems)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000  # rows fetched per round trip while streaming
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1E3A8A")


def sheet_text(text: str) -> str:
    """`text` as a cell can hold it: each character openpyxl refuses (the control characters
    XML cannot carry, which a value stored before entries refused them may hold) written as
    its escape (\\x0b), by openpyxl's own pattern."""
    return escaped(text, ILLEGAL_CHARACTERS_RE)


# What openpyxl raises for a value it cannot write; its message quotes the value.
REFUSALS = (IllegalCharacterError, ValueError, TypeError)


def unwritable(ws: Any, where: str, names: Sequence[str], values: Sequence[Any]) -> Unwritable:
    """The error for a row openpyxl refused: the lead (its id column), the field and the
    kind of refusal, found by trying each value alone; never the value itself."""
    lead = next((v for n, v in zip(names, values, strict=False) if n in ("id", "lead_id")), "?")
    for name, value in zip(names, values, strict=False):
        try:
            WriteOnlyCell(ws, value=value)
        except REFUSALS as exc:
            return Unwritable(
                f"{where}: lead {lead}, field {name}: its value cannot be written to a "
                f"workbook ({type(exc).__name__}); correct the lead's {name} and retry"
            )
    return Unwritable(f"{where}: lead {lead}: the row cannot be written to a workbook")


def _plain(value: Any) -> Any:
    """A database value as a cell value (naive UTC times: Excel has no time zones)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    return sheet_text(value) if isinstance(value, str) else value


class _Sheet:
    """A write-only sheet with a styled, frozen header row, columns fitted to their cells
    (`fit`, before the first row) and an auto filter."""

    def __init__(self, book: Workbook, title: str, columns: Sequence[Column], masked: bool):
        # A write-only worksheet; openpyxl names its class only in a private module, so the
        # attribute is left to inference rather than importing that name.
        self.ws = book.create_sheet(gettext(title))
        self.columns, self.rows, self.begun = columns, 0, False
        self.names = [c.name for c in columns]
        assert len(set(self.names)) == len(self.names), f"{title}: column names repeat"
        self.masked = masked and any(c.sensitive for c in columns)
        self.hidden_text, self.yes_no = restricted(), (gettext("Yes"), gettext("No"))
        self.labels: dict[tuple[str, Any], Any] = {}  # a vocabulary has a handful of values
        self.headers = [gettext(c.header) for c in columns]
        # Cells are reused row after row: write-only mode writes each row as it is appended.
        self.cells = [WriteOnlyCell(self.ws) if c.fmt else None for c in columns]
        for cell, column in zip(self.cells, columns, strict=True):
            if cell is not None and column.fmt:
                cell.number_format = column.fmt

    def fit(self, rows: Iterable[Iterable[Any]]) -> None:
        """Size each column to its widest cell as shown, header included (a first pass
        over the rows: a write-only sheet writes its widths before its first row)."""
        measured = ColumnWidths(self.headers, [c.fmt for c in self.columns])
        for row in rows:
            measured.measure(self._values(row))
        for i, width in enumerate(measured.widths(), 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width

    def _begin(self) -> None:
        if not self.begun:
            self.begun = True
            self.ws.freeze_panes = "A2"
            self.ws.append([self._header(h) for h in self.headers])

    def _header(self, text: str) -> Cell:
        cell = WriteOnlyCell(self.ws, value=text)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        return cell

    def _text(self, text: str) -> Cell:
        """Text that a spreadsheet would take for a formula, as a text cell: unchanged."""
        cell = WriteOnlyCell(self.ws, value=text)
        cell.data_type, cell.quotePrefix = "s", True
        return cell

    def _values(self, row: Iterable[Any]) -> list[Any]:
        """One row's values as its cells hold them: labelled, yes or no, masked."""
        values = list(row)
        for i, column in enumerate(self.columns):
            if column.vocabulary and values[i] is not None:
                key = (column.vocabulary, values[i])
                if key not in self.labels:
                    self.labels[key] = label(column.vocabulary, values[i])
                values[i] = self.labels[key]
            elif column.explained and values[i]:
                values[i] = explain(values[i])
            elif isinstance(values[i], bool):
                values[i] = self.yes_no[0] if values[i] else self.yes_no[1]
        if self.masked:
            values = list(
                mask(dict(zip(self.names, values, strict=True)), self.hidden_text).values()
            )
        return [_plain(value) for value in values]

    def add(self, row: Iterable[Any]) -> None:
        """Append one row: labelled, masked, formulas kept as text, formatted."""
        self._begin()
        values = self._values(row)
        try:
            self.ws.append(self._cells(values))
        except REFUSALS:
            raise unwritable(self.ws, self.ws.title, self.names, values) from None
        self.rows += 1

    def _cells(self, values: list[Any]) -> list[Any]:
        row: list[Any] = []
        for value, cell in zip(values, self.cells, strict=True):
            if isinstance(value, str) and value.startswith(FORMULA_START):
                row.append(self._text(value))
            elif cell is not None and value is not None:
                cell.value = value
                row.append(cell)
            elif default_format(value) is not None:  # a number in a column of mixed values
                own = WriteOnlyCell(self.ws, value=value)
                own.number_format = str(default_format(value))
                row.append(own)
            else:
                row.append(value)
        return row

    def close(self) -> None:
        """Set the auto filter over the header and every row written."""
        self._begin()
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"


def _stream(session: Session, query: Select[Any]) -> Iterable[Sequence[Any]]:
    yield from session.execute(query.execution_options(yield_per=CHUNK))


def _activity(review: Review) -> tuple[str, list[Column], list[list[Any]]]:
    """Seed 004's targets: approval, activity numbers measured, break-down warnings."""
    columns = [Column(h, h) for h in ACTIVITY_HEADERS]
    return ACTIVITY_SHEET, columns, activity_sheet(review.activity_targets, review.target_warnings)


def write_review_xlsx(
    session: Session, review: Review, path: Path, viewer: Viewer | str = "manager"
) -> dict[str, int]:
    """Write the period's workbook to `path` for this reader (a role name reads as that
    role's view), in the current language (sheet names, headers, labels); returns rows per
    sheet, by the sheets' English titles. The review must be built for the same reader."""
    viewer = Viewer.of(viewer) if isinstance(viewer, str) else viewer
    owner = viewer.own_leads_only
    masked = not viewer.sees_sensitive(owner)
    period = Period.parse(review.period, review.timezone)
    book = Workbook(write_only=True)
    # Each sheet's rows, twice: once to fit the columns, once to write them.
    sheets: list[tuple[str, list[Column], Callable[[], Iterable[Sequence[Any]]]]] = [
        (title, columns, partial(_stream, session, query))
        for title, columns, query in row_tables(period, owner, review.team_id)
    ]
    built = [
        (CONVERSION_SHEET, *conversion_rows(review)),
        (SUMMARY_SHEET, *summary_rows(review)),
        (TIERS_SHEET, TIERS, tier_cells(review.tiers)),
        _activity(review),
    ]
    sheets += [(title, columns, partial(list, rows)) for title, columns, rows in built]
    counts: dict[str, int] = {}
    for title, columns, rows in sheets:
        sheet = _Sheet(book, title, columns, masked)
        sheet.fit(rows())
        for row in rows():
            sheet.add(row)
        sheet.close()
        counts[title] = sheet.rows
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return counts
