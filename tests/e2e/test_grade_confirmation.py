"""Issue 29, item 1 end to end: qualify makes the assessment due, a manager confirms or
changes the grade, and a confirmed grade A tells and adds the directors and the core team
(docs/rules.md §7, seed 002), through the CLI and the API over real HTTP."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.cli_harness import run, run_json

FACTS = ["--urgency", "immediate", "--competition", "parity", "--decision-chain", "simple"]
ASSESSMENT = {
    "urgency": "immediate",
    "budget": 2_000_000,
    "competition": "parity",
    "decision_chain": "simple",
}


def _qualified_by_cli(env: dict[str, str], tmp_path: Path) -> int:
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", "mia@x.com"], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--email", "ann@x.com"], env)
    path = tmp_path / "leads.jsonl"
    path.write_text(
        json.dumps(
            {
                "source": "website_form",
                "company_name": "Acme",
                "contact_name": "Jo",
                "email": "jo@example.com",
                "need": "CRM for 200 users",
                "region": "east",
                "contact_role": "decision_maker",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    run(["leads", "import", str(path), "--by", "carol"], env)
    (lead_id,) = [row["id"] for row in run_json(["leads", "list"], env)]
    run(["leads", "criteria", str(lead_id), "--intent", "--budget-confirmed", "2000000"], env)
    run(["leads", "fire", str(lead_id), "qualify", "--by", "ann"], env)
    return lead_id


def test_cli_assess_confirm_and_grade_a_followers(env, tmp_path):
    """Rule book §7: "`qualify` makes the assessment due from the owner"; "a manager or
    director confirms it (`leadflow leads confirm-grade ID --by NAME`)"; "When a manager
    confirms a grade A ... the directors and the core team are told through the outbox and
    recorded as the deal's followers"."""
    env = {
        **env,
        "LEADFLOW_DIRECTOR_RECIPIENTS": '["dan@x.com"]',
        "LEADFLOW_CORE_TEAM_RECIPIENTS": '["core@x.com"]',
    }
    lead_id = _qualified_by_cli(env, tmp_path)
    shown = run_json(["leads", "show", str(lead_id)], env)
    assert shown["assess_due"] and shown["opportunity_grade"] is None
    later = (dt.datetime.fromisoformat(shown["assess_due"]) + dt.timedelta(minutes=1)).isoformat()
    due = run_json(["reminders", "due", "--at", later], env)
    assert ("assess", "remind", "ann@x.com") in {
        (m["kind"], m["action"], m["recipient"]) for m in due
    }
    early = run(["leads", "confirm-grade", str(lead_id), "--by", "mia"], env, ok=False)
    assert "not assessed yet" in early.stderr
    run(["leads", "assess", str(lead_id), "--budget", "2000000", *FACTS, "--by", "ann"], env)
    shown = run_json(["leads", "show", str(lead_id)], env)
    confirm_at = dt.datetime.fromisoformat(shown["grade_confirm_due"]) + dt.timedelta(minutes=1)
    due = run_json(["reminders", "due", "--at", confirm_at.isoformat()], env)
    assert ("confirm_grade", "remind", "mia@x.com") in {
        (m["kind"], m["action"], m["recipient"]) for m in due
    }
    bad = run(
        ["leads", "confirm-grade", str(lead_id), "--grade", "D", "--by", "mia"], env, ok=False
    )
    assert "grade: 'D'" in bad.stderr
    text = run(["leads", "confirm-grade", str(lead_id), "--by", "mia"], env).stdout
    assert "grade A confirmed by mia; followed by dan@x.com, core@x.com" in text
    shown = run_json(["leads", "show", str(lead_id)], env)
    assert (shown["grade_confirmed_by"], shown["followers"]) == ("mia", ["dan@x.com", "core@x.com"])
    assert {"grade_confirmed_by", "followers"} <= {h["field"] for h in shown["history"]}
    outbox = run_json(["outbox", "list"], env)
    assert len([m for m in outbox if m["kind"] == "grade_a"]) == 2  # addresses shown masked
    due = run_json(["reminders", "due", "--at", confirm_at.isoformat()], env)
    assert "confirm_grade" not in {m["kind"] for m in due}
    text = run(["leads", "show", str(lead_id)], env).stdout
    assert "followers: ['dan@x.com', 'core@x.com']" in text


@pytest.fixture
def api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url, director_recipients=["dan@x.com"]) as running:
        yield running


def test_api_manager_changes_the_grade_a_rep_may_not(api):
    """Rule book §7: "or sets another in its place (`--grade B`; `{"grade": "B"}`)" with a
    manager or director key."""
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json={**_record(), "region": "east"}), 201)["id"]
    api.process()
    owner_id = ok(team.manager.get(f"/leads/{lead_id}"))["owner"]["id"]
    ann = team.reps[team.rep_ids.index(owner_id)]
    path = f"/leads/{lead_id}"
    ok(ann.post(f"{path}/criteria", json={"intent_stated": True, "budget_confirmed": 2_000_000}))
    ok(ann.post(f"{path}/transitions", json={"trigger": "qualify"}))
    assert ok(ann.get(path))["assess_due"]
    early = ok(team.manager.post(f"{path}/grade-confirmation", json={}), 409)
    assert "not assessed yet" in early["reason"]
    ok(ann.post(f"{path}/assessment", json=ASSESSMENT), 201)
    assert ann.post(f"{path}/grade-confirmation", json={}).status_code == 403
    bad = team.manager.post(f"{path}/grade-confirmation", json={"grade": "D"})
    assert bad.status_code == 422 and "grade" in bad.text
    changed = ok(team.manager.post(f"{path}/grade-confirmation", json={"grade": "B"}))
    assert (changed["opportunity_grade"], changed["grade_override"], changed["followers"]) == (
        "B",
        "B",
        [],
    )
    raised = ok(team.director.post(f"{path}/grade-confirmation", json={"grade": "A"}))
    assert raised["followers"] == ["dan@x.com"] and raised["brief_due"]
    lead = ok(team.manager.get(path))
    assert (lead["grade_confirmed_by"], lead["followers"]) == (
        raised["grade_confirmed_by"],
        ["dan@x.com"],
    )


def _record() -> dict[str, object]:
    from tests import factories as f

    return f.lead_record()
