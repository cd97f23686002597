"""The team's review on the workbench is kept as a copy per period, reader and language: the
first view builds it, later views read it, and a view of a copy older than FRESH is
answered from it and has it built again meanwhile (a million leads' review takes
seconds to build; the page must not)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadflow.review.period import Period
from leadflow.rules.access import Viewer
from leadflow.web.review_copy import FRESH, copy_path
from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.workbench_harness import signed_in


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(sqlite_url, output_dir=tmp_path / "out") as running:
        yield running


def _leads_created(html: str) -> int:
    card = re.search(r'data-measure="total_leads">.*?class="value">([\d,]+)<', html, re.S)
    assert card, "no 'Leads created' card"
    return int(card.group(1).replace(",", ""))


def test_the_review_is_kept_read_again_and_made_again_once_stale(api, tmp_path):
    team = roster(api)
    ok(team.system.post("/leads", json=f.lead_record()), 201)
    api.process()
    mia = signed_in(api, api.key("manager"))
    now = f.wall_clock()  # the served API stamps the wall clock: its period is this one
    kept = copy_path(
        tmp_path / "out", Period.containing(now, "quarter"), Viewer.of("manager"), "en"
    )

    first = mia.get("/app/team/review")
    assert first.status_code == 200 and kept.exists()
    assert _leads_created(first.text) == 1
    assert "A kept copy, made again when viewed after 10 minutes." in first.text

    ok(team.system.post("/leads", json=f.lead_record()), 201)
    api.process()
    assert _leads_created(mia.get("/app/team/review").text) == 1  # fresh: the kept copy

    aged = (f.wall_clock() - FRESH).timestamp() - 60
    os.utime(kept, (aged, aged))
    stale = mia.get("/app/team/review")
    assert _leads_created(stale.text) == 1  # answered at once from the stale copy ...
    deadline = time.monotonic() + 30
    while kept.stat().st_mtime == aged:  # ... and made again meanwhile
        assert time.monotonic() < deadline, "the stale review was not made again"
        time.sleep(0.1)
    assert _leads_created(mia.get("/app/team/review").text) == 2


def test_each_language_and_reader_has_its_own_copy(api, tmp_path):
    roster(api)
    mia = signed_in(api, api.key("manager"))
    mia_zh = signed_in(api, api.key("manager"), "zh-CN")
    dana = signed_in(api, api.key("director"))
    english = mia.get("/app/team/review")
    chinese = mia_zh.get("/app/team/review")
    assert english.status_code == chinese.status_code == 200
    assert "Leads created" in english.text and "Leads created" not in chinese.text
    assert dana.get("/app/team/review").status_code == 200
    kept = sorted(p.name for p in (tmp_path / "out" / "reviews" / "workbench").glob("*.html"))
    assert [name.split("-", 3)[-1] for name in kept] == [
        "director-en.html",
        "manager-en.html",
        "manager-zh_CN.html",
    ]
