"""How long the review workbook takes, and how much memory, for a quarter of N leads.

Usage: python bench/review_xlsx.py [N]   (default 100,000; a throwaway SQLite file)"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from leadflow.bootstrap import unit_of_work
from leadflow.services.review import Period, build_review
from leadflow.services.review_xlsx import write_review_xlsx
from leadflow.store.db import engine_for, normalise_url
from leadflow.store.migrate import upgrade
from leadflow.store.models import Activity, Lead

QUARTER = Period.parse("2026-Q3")


def _leads(n: int) -> list[dict[str, object]]:
    start = QUARTER.start
    return [{"id": i, "source": "website_form", "company_name": f"Company {i}",
             "contact_name": f"Contact {i}", "email": f"c{i}@example.com", "need": "CRM",
             "region": "east", "budget_max": 250_000, "state": "nurturing", "valid": True,
             "score": 60, "priority": "medium", "grade": "B", "tags": ["bench"],
             "created_at": start + dt.timedelta(seconds=i * 70)} for i in range(1, n + 1)]


def main(n: int) -> None:
    """Fill a database, then time the workbook."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        with engine_for(normalise_url(url)).begin() as conn:
            conn.execute(insert(Lead), _leads(n))
            conn.execute(insert(Activity), [
                {"lead_id": i, "at": QUARTER.start + dt.timedelta(hours=i), "channel": "phone",
                 "key_points": "intro", "logged_at": QUARTER.start + dt.timedelta(hours=i)}
                for i in range(1, n // 5 + 1)])
        began = time.perf_counter()
        with unit_of_work(url=url) as uow:
            review = build_review(uow.session, QUARTER, dt.datetime.now(dt.UTC))
            counts = write_review_xlsx(uow.session, review, Path(folder) / "q.xlsx")
        seconds = time.perf_counter() - began
        size = (Path(folder) / "q.xlsx").stat().st_size
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n:,} leads: {counts} in {seconds:.1f} s, {size / 1e6:.1f} MB file, "
              f"peak RSS {peak:.0f} MB (including the insert)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
