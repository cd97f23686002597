"""Reading the rows of a .csv or .xlsx file, one at a time, whatever it turns out to hold.

A CSV's encoding is detected (UTF-8 with or without BOM, UTF-16, GB18030/GBK and the
rest, by charset-normalizer on the first bytes). A file that is not what its name says
(an .xlsx renamed .csv, a PDF, binary data, a directory) is refused in one line naming
the problem. Within a readable file, a row that cannot be read whole (bytes that are not
valid in the detected encoding, a cell larger than the limit) comes out with what could
be kept and a `problem`, so it is quarantined and the other rows still import."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from leadflow.errors import InvalidInput
from leadflow.review.xlsx import FORMULA_START

_MAGIC = (
    (b"PK\x03\x04", "an XLSX workbook or another zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook; save it as .xlsx or .csv"),
    (b"%PDF", "a PDF document"),
)
_GB = {"gb2312", "gbk", "gb18030", "hz"}  # read as GB18030, the superset Excel writes
_DAMAGED_CANDIDATES = ("utf-8", "gb18030")
BAD_BYTE = re.compile("[\\udc80-\\udcff]")  # how surrogateescape keeps an undecodable byte


@dataclass
class RawRow:
    """Row number in the file, its cells, and why it could not be read whole (or None)."""

    number: int
    cells: list[Any]
    problem: str | None = None
    damaged: list[int] = field(default_factory=list)  # columns with undecodable bytes


@dataclass
class Limits:
    """How much of a file is sampled and how large one cell may be."""

    sample_bytes: int
    max_cell_chars: int
    damaged_share: float  # at most this share of undecodable characters: damaged, not binary


def _looks_like(head: bytes) -> str | None:
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def detect_encoding(path: Path, head: bytes, damaged_share: float) -> str:
    """The text encoding of a CSV file from its first bytes, or InvalidInput."""
    what = _looks_like(head)
    if what:
        raise InvalidInput(f"{path}: not a CSV file (looks like {what})")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(head).best()
    if best is not None:
        return "gb18030" if best.encoding.lower() in _GB else best.encoding
    # No encoding reads every byte: a file of one of the encodings teams' files come in
    # with a damaged row or two still counts as that encoding (the rows are quarantined).
    for encoding in _DAMAGED_CANDIDATES:
        text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
        if text and text.count("\ufffd") <= len(text) * damaged_share:
            return encoding
    raise InvalidInput(f"{path}: binary data, not text: no text encoding fits its first bytes")


def _damaged(cells: list[str]) -> tuple[list[str], list[int]]:
    """Cells with undecodable bytes replaced by U+FFFD, and the columns that had them."""
    if not BAD_BYTE.search("".join(cells)):
        return cells, []
    bad = [i for i, c in enumerate(cells) if BAD_BYTE.search(c)]
    return [BAD_BYTE.sub("\ufffd", c) for c in cells], bad


def csv_rows(path: Path, limits: Limits) -> tuple[str, Iterator[RawRow]]:
    """The detected encoding and the file's rows."""
    with path.open("rb") as handle:
        head = handle.read(limits.sample_bytes)
    encoding = detect_encoding(path, head, limits.damaged_share)
    if b"\x00" in head and not encoding.startswith("utf-16"):
        raise InvalidInput(
            f"{path}: binary data, not text (NUL bytes in its first {len(head):,} bytes)"
        )
    return encoding, _read_csv(path, encoding, limits)


class _Lines:
    """The text's lines, remembering the last one handed to the csv reader."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text, self.last = text, ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        self.last = next(self.text)
        return self.last


# A line's cells, quoted or not: only for a line the csv reader refused.
_CELL = re.compile(r'(?:^|,)("[^"]*(?:""[^"]*)*"|[^,]*)')


def _split_line(line: str) -> list[str]:
    cells = _CELL.findall(line.rstrip("\r\n"))
    return [c[1:-1].replace('""', '"') if c.startswith('"') else c for c in cells]


def _read_csv(path: Path, encoding: str, limits: Limits) -> Iterator[RawRow]:
    # The csv module's cell limit is process-wide; it is set to the configured limit
    # unless something in this process already raised it further.
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_cell_chars))
    with path.open("rb") as raw:
        lines = _Lines(
            io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
        )
        reader = csv.reader(lines)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # a cell over the limit: the reader goes on after it
                if "field limit" not in str(exc):
                    yield RawRow(reader.line_num, [], f"cannot be read as CSV: {exc}")
                    continue
                cells = _split_line(lines.last)
            cells, bad = _damaged(cells)
            yield RawRow(reader.line_num, [_unquoted(c) for c in cells], damaged=bad)


def _unquoted(cell: str) -> str:
    """A cell the export guarded against formulas ('=1+1) as it was (=1+1)."""
    return cell[1:] if cell[:1] == "'" and cell[1:].startswith(FORMULA_START) else cell


def xlsx_rows(path: Path, sheet: str | None) -> tuple[str, Iterator[RawRow]]:
    """The sheet's name and its rows (the first sheet unless `sheet` names one)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    with path.open("rb") as handle:
        head = handle.read(8)
    if not head.startswith(b"PK\x03\x04"):
        what = _looks_like(head) or ("CSV or other text" if _is_text(head) else "binary data")
        raise InvalidInput(f"{path}: not an XLSX file (looks like {what})")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, InvalidFileException, OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: not a readable XLSX workbook ({exc})") from None
    if sheet is not None and sheet not in book.sheetnames:
        names = ", ".join(book.sheetnames)
        book.close()
        raise InvalidInput(f"{path}: no sheet named {sheet!r}; its sheets: {names}")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    return ws.title, _read_xlsx(book, ws)


def _read_xlsx(book: Any, ws: Any) -> Iterator[RawRow]:
    try:
        ws.reset_dimensions()  # a workbook's stored size can be wrong: read every row
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            yield RawRow(number, list(values))
    finally:
        book.close()


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return from_bytes(head).best() is not None


def within_limit(row: RawRow, headers: list[str], limit: int) -> RawRow:
    """The row with any cell over `limit` characters cut short and named in `problem`."""
    over = [i for i, c in enumerate(row.cells) if isinstance(c, str) and len(c) > limit]
    if not over:
        return row
    cells = list(row.cells)
    named = []
    for i in over:
        name = headers[i] if i < len(headers) else f"column {i + 1}"
        named.append(f"{name}: {len(cells[i]):,} characters")
        cells[i] = cells[i][:200] + f"... [cut: {len(cells[i]):,} characters]"
    problem = f"a cell larger than {limit:,} characters ({'; '.join(named)})"
    return RawRow(row.number, cells, "; ".join(filter(None, [row.problem, problem])), row.damaged)
