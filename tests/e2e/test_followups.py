"""Issue 17 end to end: intake events, `reminders due`, the brief and who entered a lead,
through the CLI as a subprocess and the API over real HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.cli_harness import run, run_json


@pytest.fixture
def api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url) as running:
        yield running


def test_api_events_at_intake_preview_and_brief(api):
    """Rule book §4: behaviour + attributes make the score, "high ≥ 80"; §6 "high 2 h";
    §7 "an opportunity brief is due within 24 hours"; §1 "Who entered a lead ... is kept"."""
    team = roster(api)
    record = f.lead_record(
        events=[
            {"kind": "webinar", "at": "2026-10-01T09:00:00Z"},
            {"kind": "download", "at": "2026-10-02T09:00:00Z"},
        ]
    )
    lead_id = ok(team.system.post("/leads", json=record), 201)["id"]
    api.process()
    lead = ok(team.manager.get(f"/leads/{lead_id}"))
    assert (lead["behaviour_score"], lead["priority"]) == (25, "high")
    assert lead["entered_by"] == "system:test system"  # the API key's identity
    due = dt.datetime.fromisoformat(lead["sla"]["first_contact_due"])
    created = dt.datetime.fromisoformat(lead["created_at"])
    assert dt.timedelta(hours=1) < due - created <= dt.timedelta(hours=2, minutes=31)
    at = (due + dt.timedelta(minutes=1)).isoformat()
    shown = ok(team.manager.get("/reminders/due", params={"at": at}))
    # No mail server here: the owner's assignment notice is still queued, so it escalates.
    assert [(m["lead_id"], m["kind"], m["action"]) for m in shown] == [
        (lead_id, "notify", "escalate"),
        (lead_id, "first_contact", "remind"),
    ]
    assert team.reps[0].get("/reminders/due").status_code == 403
    refused = ok(team.manager.post(f"/leads/{lead_id}/brief", json={"text": "plan"}), 409)
    assert "only opportunities" in refused["reason"]


def test_cli_reminders_due_and_win_review_errors(env, tmp_path):
    """Rule book §6: ops see what is overdue (reminders and escalations) without sending."""
    run(
        [
            "teams",
            "add",
            "--name",
            "East",
            "--region",
            "east",
            "--manager-email",
            "mia@example.com",
        ],
        env,
    )
    run(
        [
            "reps",
            "add",
            "--name",
            "Ann",
            "--team",
            "1",
            "--seniority",
            "senior",
            "--email",
            "ann@example.com",
        ],
        env,
    )
    path = tmp_path / "leads.jsonl"
    path.write_text(
        '{"source": "website_form", "customer_type": "individual", '
        '"contact_name": "Jo", "email": "jo@example.com", "need": "CRM", '
        '"region": "east", "contact_role": "decision_maker", '
        '"events": [{"kind": "webinar", "at": "2026-10-01T09:00:00Z"}]}\n',
        encoding="utf-8",
    )
    out = run_json(["leads", "import", str(path), "--by", "carol"], env)
    assert out["import"]["accepted"] == 1  # an import reports counts, not every id
    (lead_id,) = [row["id"] for row in run_json(["leads", "list"], env)]
    shown = run_json(["leads", "show", str(lead_id)], env)
    assert (shown["entered_by"], shown["customer_type"], shown["company_name"]) == (
        "carol",
        "individual",
        "Jo",
    )
    later = (f.wall_clock() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    due = run_json(["reminders", "due", "--at", later], env)
    assert {(m["lead_id"], m["kind"], m["action"]) for m in due} >= {
        (lead_id, "first_contact", "remind")
    }
    text = run(["reminders", "due", "--at", later], env).stdout
    assert "reminders" in text and "escalations would be sent" in text
    bad = run(["leads", "win-review", str(lead_id), "--notes", "x"], env, ok=False)
    assert "no handoff yet" in bad.stderr
