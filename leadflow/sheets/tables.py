"""Reading a plain table from a .csv (any common encoding) or .xlsx file: a header row,
then one record per row, keyed by the header's names in a normal form (lower case, words
joined by '_': "Manager(s)" is manager_s). The lead file's mapping is not involved."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.sheets.files import SHEETS, sheet_limits, sheet_rows
from leadflow.sheets.values import as_text

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def _text(cell: object) -> str:
    return "" if cell is None else as_text(cell).strip()


def header_name(cell: object) -> str:
    """A header cell in normal form: "Time Zone" is time_zone."""
    return _NOT_WORD.sub("_", _text(cell).lower()).strip("_")


@dataclass
class TableRow:
    """A row's number in the file, its cells by header name, and why it could not be read
    whole (or None)."""

    number: int
    cells: dict[str, str]
    problem: str | None = None


def read_table(path: Path) -> tuple[dict[str, str], Iterator[TableRow]]:
    """The header's names (normal form: as written) and the rows of a .csv or .xlsx file
    (blank rows left out)."""
    if path.is_dir():
        raise InvalidInput(N_("{path}: is a directory, not a .csv or .xlsx file", path=path))
    if not path.exists():
        raise InvalidInput(N_("{path}: no such file", path=path))
    if path.suffix.lower() not in SHEETS:
        raise InvalidInput(N_("{path}: not a .csv or .xlsx file", path=path))
    _, _, raw = sheet_rows(path, None, None, sheet_limits())
    header = next((r for r in raw if any(_text(c) for c in r.cells)), None)
    if header is None:
        raise InvalidInput(N_("{path}: empty file, expected a header row", path=path))
    names = [header_name(c) for c in header.cells]
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise InvalidInput(
            N_("{path}: column(s) {twice} appear more than once", path=path, twice=", ".join(twice))
        )

    def rows() -> Iterator[TableRow]:
        for row in raw:
            padded = [*row.cells, *[None] * (len(names) - len(row.cells))]
            cells = {n: _text(c) for n, c in zip(names, padded, strict=False) if n}
            damaged = "bytes that are not valid text" if row.damaged or row.nul else None
            if any(cells.values()) or row.problem or damaged:
                yield TableRow(row.number, cells, row.problem or damaged)

    return {n: _text(c) for n, c in zip(names, header.cells, strict=False) if n}, rows()
