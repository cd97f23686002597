"""The what-if replay on real history: it writes nothing, identical rules change nothing,
and a higher high-priority bound moves leads to medium and away from the seniors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select, text

from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.simulate.render import render_report
from leadflow.simulate.service import candidate_rules, simulate
from leadflow.store.models import Base
from tests import factories as f

START = dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC)
END = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def _everything(session) -> dict[str, list]:
    """Every row of every table, in a stable order."""
    return {
        t.name: [tuple(r) for r in session.execute(select(t).order_by(*t.primary_key))]
        for t in Base.metadata.sorted_tables
    }


def _history(uow, rules) -> None:
    f.closed_history(uow.session, rules, 40, START, lambda record, rnd: rnd.random() < 0.4)
    uow.commit()


def _candidate(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "candidate.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_identical_rules_change_nothing_and_nothing_is_written(uow, rules, tmp_path):
    """Issue 21: "It writes nothing" and "a replay with identical rules changes nothing"."""
    _history(uow, rules)
    before = _everything(uow.session)
    same = candidate_rules(_candidate(tmp_path, "scoring: {}\n"), rules)
    report = simulate(uow.session, rules, same, "same.yaml", "2026-Q3", START, END)
    uow.session.rollback()  # whatever the replay left pending would be gone; nothing may be
    assert _everything(uow.session) == before
    assert report.leads == 40 and report.with_outcome == 40
    assert set(report.changed.values()) == {0} and report.groups == []
    assert all(load.change == 0 for load in report.loads)
    assert report.separation["current"] == report.separation["candidate"]
    assert uow.session.execute(text("SELECT 1")).scalar() == 1  # the session is still usable


def test_a_higher_high_priority_bound_drops_leads_to_medium(uow, rules, tmp_path):
    """Spec §4: "Priority: high ≥ 80" and §5: "grade A / high priority goes to senior reps";
    a candidate raising the bound to 85 drops the 80-point leads to medium, and their
    assignment no longer needs a senior."""
    s = uow.session
    east = f.team(s)
    f.rep(s, east.id, name="Sam Senior", capacity=1000)
    f.rep(s, east.id, name="Jo Junior", seniority="junior", capacity=1000)
    for i in range(6):
        at = START + dt.timedelta(days=i)
        # Influencer at a large firm with a full budget: 60 points, plus a webinar and a page
        # visit before intake: 80, high priority under the current rules.
        record = f.lead_record(contact_role="influencer", timeline=None)
        lead_id = store_leads(s, [(1, record)], "t", rules, now=at).lead_ids[0]
        for kind in ("webinar", "page_visit"):
            svc.track_event(s, lead_id, kind, now=at, rules=rules)
        process_new_leads(s, [lead_id], at + dt.timedelta(minutes=1), rules)
    uow.commit()
    high85 = candidate_rules(_candidate(tmp_path, "scoring:\n  priority:\n    high: 85\n"), rules)
    report = simulate(s, rules, high85, "high85.yaml", "2026-Q3", START, END, 4)
    drops = [g for g in report.groups if g.field == "priority"]
    assert [(g.change, g.count, len(g.sample)) for g in drops] == [("high -> medium", 6, 4)]
    loads = {r.name: r for r in report.loads}
    assert loads["Sam Senior"].current == 6 and loads["Sam Senior"].change == -3
    assert loads["Jo Junior"].change == 3  # least loaded first once a junior may take them
    for fmt in ("md", "html", "json"):
        assert report.period in render_report(report, fmt)
