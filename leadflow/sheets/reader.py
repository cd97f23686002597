"""Reading the rows of a .csv or .xlsx file, one at a time, whatever it turns out to hold.

A CSV's encoding is detected (UTF-8 with or without BOM, UTF-16, GB18030/GBK and the
rest, by charset-normalizer on the first bytes). A file that is not what its name says
(an .xlsx renamed .csv, a PDF or image, NUL-heavy binary data, a directory) is refused in
one line naming the problem, and so is an .xlsx that would unpack to more than the limits
allow. Within a readable file, a row that cannot be read whole (bytes that are not valid
in the detected encoding, a NUL byte, a cell or row larger than the limit) comes out with
what could be kept and a `problem`, so it is quarantined and the other rows still import."""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charset_normalizer import CharsetMatch, CharsetMatches, from_bytes

from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.review.xlsx import FORMULA_START

_MAGIC = (
    (b"PK\x03\x04", N_("an XLSX workbook or another zip archive")),
    (b"\xd0\xcf\x11\xe0", N_("an old Excel .xls workbook; save it as .xlsx or .csv")),
    (b"%PDF", N_("a PDF document")),
    (b"\x89PNG", N_("a PNG image")),
    (b"\xff\xd8\xff", N_("a JPEG image")),
    (b"GIF8", N_("a GIF image")),
    (b"\x1f\x8b", N_("a gzip archive")),
)
_GB = {"gb2312", "gbk", "gb18030", "hz"}  # read as GB18030, the superset Excel writes
_DAMAGED_CANDIDATES = ("utf-8", "gb18030")
# A rival encoding whose mess ratio is within this of the detected one's fits as well.
# Measured on short Latin-1, cp1250 and GBK files: cp1250, cp1252 and cp1257 all score
# 0.0 on Latin-1 text, while GBK's runner-up (euc_jis_2004) scored 0.16.
_TIE = 0.01
SHOWN = 200  # characters kept of a cell that is cut
_SMALL_PART = 1 << 20  # a part unpacking to less cannot hurt, whatever its ratio
BAD_BYTE = re.compile("[\\udc80-\\udcff]")  # how surrogateescape keeps an undecodable byte


@dataclass
class RawRow:
    """Row number in the file, its cells, and why it could not be read whole (or None)."""

    number: int
    cells: list[Any]
    problem: str | None = None
    damaged: list[int] = field(default_factory=list)  # columns with undecodable bytes
    nul: list[int] = field(default_factory=list)  # columns with a NUL character
    cut: dict[int, int] = field(default_factory=dict)  # columns cut by the reader: length
    too_long: bool = False  # the row had more characters than a row may have


@dataclass
class Limits:
    """How much of a file is sampled, how large one cell or row may be, and how large an
    XLSX may unpack to."""

    sample_bytes: int
    max_cell_chars: int
    damaged_share: float  # at most this share of undecodable characters: damaged, not binary
    max_row_chars: int
    max_xlsx_bytes: int
    max_xlsx_ratio: float


def _looks_like(head: bytes) -> str | None:
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def detect_encoding(path: Path, head: bytes, damaged_share: float) -> str:
    """The text encoding of a CSV file from its first bytes, or InvalidInput."""
    what = _looks_like(head)
    if what:
        raise InvalidInput(N_("{path}: not a CSV file (looks like {what})", path=path, what=what))
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    nuls = head.count(b"\x00")
    if nuls > len(head) * damaged_share:  # text has none; a row or two with one is damaged
        best = from_bytes(head).best()  # UTF-16 or UTF-32 without a byte order mark?
        if best is not None and best.encoding.lower().startswith(("utf_16", "utf_32")):
            return best.encoding
        raise InvalidInput(
            N_(
                "{path}: binary data, not text ({nuls:,} NUL bytes in its first {size:,} bytes)",
                path=path,
                nuls=nuls,
                size=len(head),
            )
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    matches = from_bytes(head)
    best = matches.best()
    if best is not None:
        _refuse_a_guess(path, best, matches)
        return "gb18030" if best.encoding.lower() in _GB else best.encoding
    # No encoding reads every byte: a file of one of the encodings teams' files come in
    # with a damaged row or two still counts as that encoding (the rows are quarantined).
    for encoding in _DAMAGED_CANDIDATES:
        text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
        if text and text.count("\ufffd") <= len(text) * damaged_share:
            return encoding
    raise InvalidInput(
        N_("{path}: binary data, not text: no text encoding fits its first bytes", path=path)
    )


def _refuse_a_guess(path: Path, best: CharsetMatch, matches: CharsetMatches) -> None:
    """Refuse a detection another encoding fits as well (as little mess) while reading
    the bytes as other text: a Latin-1 "Lefèvre" reads as cp1250 "Lefčvre" with no mess
    at all, so only the sender knows which was meant."""
    text = str(best)
    for rival in matches:
        if rival.chaos > best.chaos + _TIE or rival.encoding == best.encoding:
            continue
        other = str(rival)
        if other == text:
            continue
        pairs = enumerate(zip(text, other, strict=False))
        at = next((i for i, (a, b) in pairs if a != b), min(len(text), len(other)))
        start = max(text.rfind("\n", 0, at), text.rfind(",", 0, at)) + 1
        word = text[start : at + 12].split(",")[0].split("\n")[0]
        theirs = other[start : at + 12].split(",")[0].split("\n")[0]
        raise InvalidInput(
            N_(
                "{path}: the encoding is uncertain: detected {encoding} ({word!r}), "
                "but {encoding2} fits as well ({theirs!r}); name it with --encoding, "
                "e.g. --encoding {encoding} or --encoding {encoding2}",
                path=path,
                encoding=best.encoding,
                word=word,
                encoding2=rival.encoding,
                theirs=theirs,
            )
        )


def named_encoding(name: str) -> str:
    """The codec `--encoding` names (latin-1, cp1252, gbk ...), or InvalidInput."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise InvalidInput(
            N_(
                "--encoding {name!r}: not a known text encoding (e.g. utf-8, latin-1, cp1252, gbk)",
                name=name,
            )
        ) from None


def unquoted(cell: str) -> str:
    """A cell the export guarded against formulas ('=1+1) as it was (=1+1)."""
    return cell[1:] if cell[:1] == "'" and cell[1:].startswith(FORMULA_START) else cell


def xlsx_rows(path: Path, sheet: str | None, limits: Limits) -> tuple[str, Iterator[RawRow]]:
    """The sheet's name and its rows (the first sheet unless `sheet` names one); a
    workbook that would unpack to more than the limits allow is refused unread."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    with path.open("rb") as handle:
        head = handle.read(8)
    if not head.startswith(b"PK\x03\x04"):
        what = _looks_like(head) or (
            N_("CSV or other text") if _is_text(head) else N_("binary data")
        )
        raise InvalidInput(N_("{path}: not an XLSX file (looks like {what})", path=path, what=what))
    _check_unpacked(path, limits)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, InvalidFileException, OSError, ValueError) as exc:
        raise InvalidInput(
            N_("{path}: not a readable XLSX workbook ({problem})", path=path, problem=str(exc))
        ) from None
    if sheet is not None and sheet not in book.sheetnames:
        names = ", ".join(book.sheetnames)
        book.close()
        raise InvalidInput(
            N_(
                "{path}: no sheet named {sheet!r}; its sheets: {names}",
                path=path,
                sheet=sheet,
                names=names,
            )
        )
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    return ws.title, _read_xlsx(book, ws)


def _check_unpacked(path: Path, limits: Limits) -> None:
    """Refuse a workbook (a zip archive) whose parts unpack to more bytes, or to more times
    their packed size, than the limits allow, from the sizes its directory declares.

    openpyxl holds a sheet's shared strings, and each row and cell, whole in memory; a
    workbook of a few packed megabytes can unpack to gigabytes of them (a zip bomb). zipfile
    checks while unpacking that a part is no larger than declared, so the check holds."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidInput(
            N_("{path}: not a readable XLSX workbook ({problem})", path=path, problem=str(exc))
        ) from None
    unpacked = sum(p.file_size for p in parts)
    if unpacked > limits.max_xlsx_bytes:
        raise InvalidInput(
            N_(
                "{path}: refused unread: its parts unpack to {unpacked:,} bytes, more "
                "than the {max_xlsx_bytes:,} allowed (imports.max_xlsx_bytes)",
                path=path,
                unpacked=unpacked,
                max_xlsx_bytes=limits.max_xlsx_bytes,
            )
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size >= _SMALL_PART and ratio > limits.max_xlsx_ratio:
            raise InvalidInput(
                N_(
                    "{path}: refused unread: its part {filename} unpacks to {file_size:,} "
                    "bytes, {ratio:,.0f} times its packed size, more than the "
                    "{max_xlsx_ratio:g} times allowed (imports.max_xlsx_ratio)",
                    path=path,
                    filename=part.filename,
                    file_size=part.file_size,
                    ratio=ratio,
                    max_xlsx_ratio=limits.max_xlsx_ratio,
                )
            )


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


def column(headers: list[str], i: int) -> str:
    """A column's header, or its position when it has none."""
    return headers[i] if i < len(headers) and headers[i] else f"column {i + 1}"


def within_limit(row: RawRow, headers: list[str], limits: Limits) -> RawRow:
    """The row with any cell over the limit cut short, and what was cut named in `problem`
    (a CSV reader has already cut the cells and rows too large to read whole)."""
    limit = limits.max_cell_chars
    over = [i for i, c in enumerate(row.cells) if isinstance(c, str) and len(c) > limit]
    if not over and not row.cut and not row.too_long:
        return row
    cells, sizes = list(row.cells), dict(row.cut)
    for i in over:
        sizes[i] = len(cells[i])
        cells[i] = cells[i][:SHOWN] + f"... [cut: {len(cells[i]):,} characters]"
    problems = [row.problem] if row.problem else []
    named = [
        f"{column(headers, i)}: {n:,} characters" for i, n in sorted(sizes.items()) if n > limit
    ]
    if named:
        problems.append(f"a cell larger than {limit:,} characters ({'; '.join(named)})")
    if row.too_long:
        problems.append(f"a row larger than {limits.max_row_chars:,} characters")
    problems.append(f"the quarantine keeps the first {SHOWN} characters of a cut cell")
    return RawRow(row.number, cells, "; ".join(problems), row.damaged, row.nul)
