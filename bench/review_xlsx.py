"""How long the review workbook takes, and how much memory, for a quarter of N leads.

Usage: python bench/review_xlsx.py [N] [--memory]   (default 100,000; a throwaway SQLite file)
Measured here: 100,000 leads in about 20 s, a 6.8 MB file; with --memory (tracemalloc,
about 6x slower) the export's peak Python allocations were 9 MB: rows are streamed."""

from __future__ import annotations

import datetime as dt
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import insert

from leadflow.bootstrap import unit_of_work
from leadflow.review.build import build_review
from leadflow.review.period import Period
from leadflow.review.xlsx import write_review_xlsx
from leadflow.store.db import engine_for, normalise_url
from leadflow.store.migrate import upgrade
from leadflow.store.models import Activity, Lead

QUARTER = Period.parse("2026-Q3")


def _leads(n: int) -> list[dict[str, object]]:
    start = QUARTER.start
    return [
        {
            "id": i,
            "source": "website_form",
            "company_name": f"Company {i}",
            "contact_name": f"Contact {i}",
            "email": f"c{i}@example.com",
            "need": "CRM",
            "region": "east",
            "budget_max": 250_000,
            "state": "nurturing",
            "valid": True,
            "score": 60,
            "priority": "medium",
            "grade": "B",
            "tags": ["bench"],
            "created_at": start + dt.timedelta(seconds=i * 70),
        }
        for i in range(1, n + 1)
    ]


def main(n: int, memory: bool) -> None:
    """Fill a database, then time the workbook."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        with engine_for(normalise_url(url)).begin() as conn:
            conn.execute(insert(Lead), _leads(n))
            conn.execute(
                insert(Activity),
                [
                    {
                        "lead_id": i,
                        "at": QUARTER.start + dt.timedelta(hours=i),
                        "channel": "phone",
                        "key_points": "intro",
                        "logged_at": QUARTER.start + dt.timedelta(hours=i),
                    }
                    for i in range(1, n // 5 + 1)
                ],
            )
        began = time.perf_counter()
        if memory:
            tracemalloc.start()
        with unit_of_work(url=url) as uow:
            review = build_review(uow.session, QUARTER, dt.datetime.now(dt.UTC))
            counts = write_review_xlsx(uow.session, review, Path(folder) / "q.xlsx")
        traced = tracemalloc.get_traced_memory()[1] / 1e6 if memory else float("nan")
        tracemalloc.stop()
        seconds = time.perf_counter() - began
        size = (Path(folder) / "q.xlsx").stat().st_size
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{n:,} leads: {counts} in {seconds:.1f} s, {size / 1e6:.1f} MB file, "
            f"peak Python allocations while exporting {traced:.0f} MB (peak RSS {peak:.0f} MB "
            "including the insert; times include tracemalloc's overhead)"
        )


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(numbers[0]) if numbers else 100_000, "--memory" in sys.argv)
