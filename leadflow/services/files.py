"""Reading lead files: CSV with spec §1 column names, or JSON Lines."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from leadflow.errors import InvalidInput
from leadflow.schemas import LEAD_FIELDS, loads_strict

TAG_SEPARATORS = (";", "|")


def _csv_rows(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        if not columns:
            raise InvalidInput(f"{path}: empty file, expected a header row of spec §1 fields")
        twice = sorted({c for c in columns if columns.count(c) > 1})
        if twice:  # csv.DictReader would silently keep only the last of them
            raise InvalidInput(f"{path}: column(s) {', '.join(twice)} appear more than once "
                               "in the header; which one is meant is unknowable")
        unknown = [c for c in columns if c not in LEAD_FIELDS]
        if unknown:
            raise InvalidInput(f"{path}: unknown column(s) {', '.join(unknown)}; "
                               f"known: {', '.join(LEAD_FIELDS)}")
        reader.fieldnames = columns
        for raw in reader:
            record: dict[str, Any] = {}
            for key, value in raw.items():
                if key is None:  # more cells than header columns: keep them for the error
                    record["(extra cells)"] = value
                elif value is not None and value.strip() != "":
                    record[key] = value
            if "tags" in record:
                text = record["tags"]
                sep = next((s for s in TAG_SEPARATORS if s in text), None)
                record["tags"] = [t.strip() for t in text.split(sep)] if sep else [text.strip()]
            yield reader.line_num, record


def _jsonl_rows(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
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


def read_records(path: Path) -> Iterator[tuple[int, Any]]:
    """Numbered raw records of a .csv, .jsonl/.ndjson or .json (array) file."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl_rows(path)
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}: not valid JSON: {exc.msg} (line {exc.lineno})") from None
        if not isinstance(data, list):
            raise InvalidInput(f"{path}: expected a JSON array of lead objects")
        return iter(enumerate(data, start=1))
    raise InvalidInput(f"{path}: unknown file type {suffix or '(none)'}; use .csv or .jsonl")
