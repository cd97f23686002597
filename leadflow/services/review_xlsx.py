"""The review as one Excel workbook: the four working tables of the sales templates
(lead register, follow-up log, opportunity grading, period conversion review) and a summary.

Rows are streamed: Core queries read in chunks (`yield_per`) and openpyxl's write-only mode
writes each row as it comes, so a period of 100k+ leads never sits in memory as objects.
Text that a spreadsheet could take for a formula (= + - @ first) is stored with a leading
apostrophe, as text. Sensitive columns are masked unless the export is for a manager or a
director."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.i18n import gettext, label, restricted
from leadflow.rules.vocab import Role
from leadflow.services.review import Period
from leadflow.services.review_render import Review
from leadflow.services.review_xlsx_tables import (
    CONVERSION_SHEET,
    SUMMARY_SHEET,
    Column,
    conversion_rows,
    row_tables,
    summary_rows,
)

SEES_SENSITIVE = frozenset({Role.manager.value, Role.director.value})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000  # rows fetched per round trip while streaming
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1E3A8A")


def check_role(role: str) -> str:
    """The export's audience role, or InvalidInput naming the field."""
    roles = [r.value for r in Role]
    if role not in roles:
        raise InvalidInput(f"role: {role!r} is not one of {', '.join(roles)}",
                           {"role": "unknown role"})
    return role


def safe_text(text: str) -> str:
    """Text that no spreadsheet will run as a formula: a leading apostrophe when it starts
    with = + - @ (or a tab or carriage return)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _plain(value: Any) -> Any:
    """A database value as a cell value (naive UTC times: Excel has no time zones)."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, list):
        return safe_text("; ".join(str(v) for v in value))
    return value


class _Sheet:
    """A write-only sheet with a styled, frozen header row and an auto filter."""

    def __init__(self, book: Workbook, title: str, columns: Sequence[Column], masked: bool):
        # A write-only worksheet; openpyxl names its class only in a private module, so the
        # attribute is left to inference rather than importing that name.
        self.ws = book.create_sheet(gettext(title))
        self.columns, self.rows = columns, 0
        self.hidden = [c.sensitive and masked for c in columns]
        self.hidden_text = restricted()
        self.labels: dict[tuple[str, Any], Any] = {}  # a vocabulary has a handful of values
        # Cells are reused row after row: write-only mode writes each row as it is appended.
        self.cells = [WriteOnlyCell(self.ws) if c.fmt else None for c in columns]
        for cell, column in zip(self.cells, columns, strict=True):
            if cell is not None:
                cell.number_format = column.fmt
        for i, column in enumerate(columns, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = column.width
        self.ws.freeze_panes = "A2"
        self.ws.append([self._header(gettext(c.header)) for c in columns])

    def _header(self, text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=text)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        return cell

    def add(self, values: Iterable[Any]) -> None:
        """Append one row: masked, labelled, escaped, formatted."""
        row: list[Any] = []
        for value, hidden, cell, column in zip(values, self.hidden, self.cells, self.columns,
                                               strict=True):
            if hidden:
                row.append(self.hidden_text)
            elif column.vocabulary and value is not None:
                key = (column.vocabulary, value)
                if key not in self.labels:
                    self.labels[key] = _plain(label(column.vocabulary, value))
                row.append(self.labels[key])
            elif cell is not None and value is not None:
                cell.value = _plain(value)
                row.append(cell)
            else:
                row.append(_plain(value))
        self.ws.append(row)
        self.rows += 1

    def close(self) -> None:
        """Set the auto filter over the header and every row written."""
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"


def _stream(session: Session, query: Select[Any]) -> Iterable[Sequence[Any]]:
    yield from session.execute(query.execution_options(yield_per=CHUNK))


def write_review_xlsx(session: Session, review: Review, path: Path, role: str = "manager"
                      ) -> dict[str, int]:
    """Write the period's workbook to `path` for a reader of `role`, in the current language
    (sheet names, headers, labels); returns rows per sheet, by the sheets' English titles."""
    masked = check_role(role) not in SEES_SENSITIVE
    period = Period.parse(review.period)
    book = Workbook(write_only=True)
    sheets: list[tuple[str, list[Column], Iterable[Sequence[Any]]]] = [
        (title, columns, _stream(session, query)) for title, columns, query in row_tables(period)]
    sheets += [(CONVERSION_SHEET, *conversion_rows(review)),
               (SUMMARY_SHEET, *summary_rows(review))]
    counts: dict[str, int] = {}
    for title, columns, rows in sheets:
        sheet = _Sheet(book, title, columns, masked)
        for row in rows:
            sheet.add(row)
        sheet.close()
        counts[title] = sheet.rows
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return counts
