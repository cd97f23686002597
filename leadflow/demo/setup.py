"""The demo's folder and calendar: a fresh database, last quarter, the quarter's leads as
the team's CSV register, and where the review's files land."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from leadflow.demo import generate
from leadflow.review.export import FORMATS
from leadflow.review.period import Period
from leadflow.schemas import LEAD_FIELDS
from leadflow.settings import get_settings
from leadflow.sheets.files import read_records


def fresh_database(folder: Path) -> str:
    """An empty SQLite file in the demo folder (the previous run's is removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        (folder / f"leadflow.db{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{(folder / 'leadflow.db').resolve()}"


def last_quarter(now: dt.datetime) -> Period:
    """The last complete quarter before `now` (on the default zone's clock, as the demo's
    teams and its review are): the demo's leads arrive over it."""
    return Period.containing(now, "quarter", get_settings().default_timezone).previous()


def leads_file(
    folder: Path, seed: int, count: int, start: dt.date
) -> tuple[Path, list[tuple[int, Any]]]:
    """Write the quarter's generated leads as the team's CSV register (leads.csv), and read
    it back through the import reader, as a team's file would be."""
    path = folder / "leads.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(LEAD_FIELDS))
        writer.writeheader()
        for rec in generate.lead_records(seed, count, start):
            writer.writerow(
                {k: (";".join(v) if isinstance(v, list) else v) for k, v in rec.items()}
            )
    return path, list(read_records(path))


def review_files(folder: Path, label: str) -> list[str]:
    """The review's files that pipeline-review writes under `folder`, one per format."""
    return [str(folder / "reviews" / f"review-{label}.{fmt}") for fmt in FORMATS]
