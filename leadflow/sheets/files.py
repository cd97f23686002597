"""Reading lead files: CSV (any common encoding) and XLSX through the header and value
mappings of sheet_mapping, or JSON Lines / a JSON array with spec §1 field names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.rules.privacy import Refused
from leadflow.schemas import loads_strict
from leadflow.settings import get_settings
from leadflow.sheets.csv_reader import csv_rows
from leadflow.sheets.mapping import ImportMapping, SheetPlan, load_mapping
from leadflow.sheets.reader import (
    BAD_BYTE,
    Limits,
    RawRow,
    column,
    named_encoding,
    within_limit,
    xlsx_rows,
)

SHEETS = (".csv", ".xlsx")
JSON_LINES = (".jsonl", ".ndjson")


@dataclass
class LeadFile:
    """An opened lead file: how it was read, its column mapping, and its numbered records."""

    path: Path
    kind: str  # csv, xlsx, jsonl, json
    rows: Iterator[tuple[int, Any]]
    encoding: str | None = None
    sheet: str | None = None
    plan: SheetPlan | None = None
    title_rows: list[int] = field(default_factory=list)  # skipped above the header row
    footer_rows: list[int] = field(default_factory=list)  # skipped below the data, as read

    def describe(self) -> dict[str, Any]:
        """How the file is read, for people: format, encoding or sheet, the mapping."""
        return {
            "file": str(self.path),
            "format": self.kind,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "title_rows_skipped": self.title_rows,
            "footer_rows_skipped": self.footer_rows,
            "columns": self.plan.describe() if self.plan else [],
        }


def _header(
    path: Path, rows: Iterator[RawRow], mapping: ImportMapping, refused: Refused, search: int
) -> tuple[SheetPlan, list[int], list[RawRow]]:
    """The header row: the first of the first `search` rows naming two known columns
    (title rows above it are skipped), else the first row that is not empty. Returns the
    plan, the skipped row numbers and the rows read past the header."""
    seen: list[RawRow] = []
    chosen: RawRow | None = None
    for row in rows:
        if any(c not in (None, "") for c in row.cells):
            seen.append(row)
            if SheetPlan.of(_names(row.cells), mapping, refused).known_count() >= 2:
                chosen = row
                break
            if len(seen) >= search:
                break
    if not seen:
        raise InvalidInput(N_("{path}: empty file, expected a header row", path=path))
    chosen = chosen or seen[0]
    names = _names(chosen.cells)
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:  # which of the two is meant is unknowable
        raise InvalidInput(
            N_(
                "{path}: column(s) {twice} appear more than once in the header; which "
                "one is meant is unknowable",
                path=path,
                twice=", ".join(twice),
            )
        )
    skipped = [r.number for r in seen if r.number < chosen.number]
    plan = SheetPlan.of(names, mapping, refused)
    return plan, skipped, [r for r in seen if r.number > chosen.number]


def _names(cells: list[Any]) -> list[str]:
    return [str(c).strip() if c is not None else "" for c in cells]


def _records(
    rows: Iterator[RawRow],
    plan: SheetPlan,
    encoding: str | None,
    limits: Limits,
    footers: list[int],
) -> Iterator[tuple[int, Any]]:
    """The rows as records; a CRM's footer lines are skipped, their numbers put in `footers`."""
    headers = [c.header for c in plan.columns]
    for row in rows:
        if not any(c not in (None, "") for c in row.cells) and not row.problem:
            continue  # a blank line or an empty spreadsheet row
        if not row.problem and plan.is_footer(row.cells):
            footers.append(row.number)
            continue
        row = within_limit(row, headers, limits)
        problems = [row.problem] if row.problem else []
        if row.nul:  # text has none: a damaged row, quarantined wherever it is in the file
            names = ", ".join(column(headers, i) for i in row.nul)
            problems.insert(0, f"a NUL character (\\x00), which text does not hold, in {names}")
        if row.damaged:
            names = ", ".join(column(headers, i) for i in row.damaged)
            problems.insert(0, f"bytes that are not valid {encoding} in {names}")
        yield row.number, plan.record(row.cells, "; ".join(problems) or None)


def sheet_limits() -> Limits:
    """The settings' limits on reading a sheet."""
    conf = get_settings().imports
    return Limits(
        conf.sample_bytes,
        conf.max_cell_chars,
        conf.damaged_share,
        conf.max_row_chars,
        conf.max_xlsx_bytes,
        conf.max_xlsx_ratio,
    )


def sheet_rows(
    path: Path, sheet: str | None, encoding: str | None, limits: Limits
) -> tuple[str | None, str | None, Iterator[RawRow]]:
    """A .csv's encoding (as named, else detected) or an .xlsx's sheet name, and its rows."""
    if path.suffix.lower() == ".csv":
        found, raw = csv_rows(path, limits, encoding and named_encoding(encoding))
        return found, None, raw
    sheet_name, raw = xlsx_rows(path, sheet, limits)
    return None, sheet_name, raw


def open_leads(
    path: Path,
    mapping: ImportMapping | None = None,
    sheet: str | None = None,
    ignore_unknown: bool = False,
    encoding: str | None = None,
) -> LeadFile:
    """Open a lead file and map its header row; with ignore_unknown=False a column that
    maps to nothing refuses the file in one line naming every such column (a column of
    personal data the product refuses is left out, never a reason to refuse the file).
    `encoding` names a CSV's encoding instead of detecting it."""
    if path.is_dir():
        raise InvalidInput(N_("{path}: is a directory, not a lead file", path=path))
    if not path.exists():
        raise InvalidInput(N_("{path}: no such file", path=path))
    suffix = path.suffix.lower()
    if sheet is not None and suffix != ".xlsx":
        raise InvalidInput(N_("--sheet {sheet}: only an .xlsx file has sheets", sheet=sheet))
    if encoding is not None and suffix != ".csv":
        raise InvalidInput(
            N_("--encoding {encoding}: only a .csv file has an encoding to name", encoding=encoding)
        )
    if suffix not in SHEETS:
        return LeadFile(path, suffix.lstrip("."), _json_records(path))
    settings = get_settings()
    limits = sheet_limits()
    encoding, sheet_name, raw = sheet_rows(path, sheet, encoding, limits)
    plan, skipped, past = _header(
        path,
        raw,
        mapping or load_mapping(),
        Refused.of(settings.rules().privacy),
        settings.imports.header_search_rows,
    )
    if plan.unknown and not ignore_unknown:
        raise InvalidInput(
            N_(
                "{path}: unmapped column(s) {unknown}; map them with --map FILE, or "
                "pass --ignore-unknown to leave them out",
                path=path,
                unknown=", ".join(plan.unknown),
            )
        )
    footers: list[int] = []
    records = _records(chain(past, raw), plan, encoding, limits, footers)
    return LeadFile(path, suffix.lstrip("."), records, encoding, sheet_name, plan, skipped, footers)


def _jsonl_rows(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8", errors="surrogateescape") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            kept = BAD_BYTE.sub("\ufffd", line)
            if kept != line:  # JSON is UTF-8: keep what could be read, name the problem
                yield number, _Unparsed(kept.rstrip("\n"), "not valid UTF-8 text")
                continue
            try:
                yield number, loads_strict(line)
            except json.JSONDecodeError as exc:
                yield number, _Unparsed(line.rstrip("\n"), f"not valid JSON: {exc.msg}")
            except ValueError as exc:  # duplicate keys, NaN
                yield number, _Unparsed(line.rstrip("\n"), f"not valid JSON: {exc}")


class _Unparsed(str):
    """A line that could not be parsed; validation rejects it with `problem`."""

    problem: str

    def __new__(cls, text: str, problem: str) -> _Unparsed:
        obj = super().__new__(cls, text)
        obj.problem = problem
        return obj


def _json_records(path: Path) -> Iterator[tuple[int, Any]]:
    suffix = path.suffix.lower()
    if suffix in JSON_LINES:
        return _jsonl_rows(path)
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                N_(
                    "{path}: not valid JSON: {msg} (line {lineno})",
                    path=path,
                    msg=exc.msg,
                    lineno=exc.lineno,
                )
            ) from None
        except UnicodeDecodeError:
            raise InvalidInput(
                N_("{path}: not UTF-8 text, which JSON must be", path=path)
            ) from None
        if not isinstance(data, list):
            raise InvalidInput(N_("{path}: expected a JSON array of lead objects", path=path))
        return iter(enumerate(data, start=1))
    raise InvalidInput(
        N_(
            "{path}: unknown file type {suffix}; use .csv, .xlsx or .jsonl",
            path=path,
            suffix=suffix or "(none)",
        )
    )


def read_records(path: Path) -> Iterator[tuple[int, Any]]:
    """Numbered raw records of a .csv, .xlsx, .jsonl/.ndjson or .json (array) file."""
    return open_leads(path).rows  # an unmapped column refuses the file
