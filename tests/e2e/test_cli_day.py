"""A sales team's day with the `leadflow` command alone, as the README's "A day in the team"
walks it: leads imported with one waiting in a manager queue, a rep added, the queued lead
assigned, contacts logged when they happened, the lead qualified, assessed, planned,
approved and negotiated, an objection raised and answered, the deal won with its contract,
and the won customer's next inquiry a new, linked lead. The review then shows the won value
and the revenue progress against the rep's target."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from leadflow.review.period import Period
from tests import factories as f
from tests.e2e.cli_harness import run, run_json
from tests.e2e.test_cli import _write_csv


def test_a_day_in_the_team_with_the_cli(tmp_path: Path):
    env = {
        **os.environ,
        "LEADFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'day.db'}",
        "LEADFLOW_LOG_FILE": str(tmp_path / "errors.log"),
    }
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
            "teams",
            "add",
            "--name",
            "West",
            "--region",
            "west",
            "--manager-email",
            "wes@example.com",
        ],
        env,
    )
    ann = run_json(
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
    )["id"]
    timeline = (f.wall_clock().date() + dt.timedelta(days=40)).isoformat()
    acme = f.lead_record(
        company_name="Acme",
        email="jo@acme.example",
        region="west",
        timeline=timeline,
        need="CRM for 40 reps",
    )
    csv_path = tmp_path / "leads.csv"
    _write_csv(csv_path, [acme, f.lead_record(timeline=timeline)])
    imported = run_json(["leads", "import", str(csv_path)], env)
    assert imported["intake"]["queued"] == 1  # nobody covers the west yet
    queue = run_json(["leads", "list", "--queue"], env)
    lid = str(queue[0]["id"])
    assert queue[0]["waiting_hours"] >= 0
    # The file's leads wait for a supervisor's check (seed 001) while they are worked.
    unchecked = run_json(["leads", "list", "--unchecked"], env)
    assert len(unchecked) == 2 and all("contact_title" in r["missing"] for r in unchecked)
    for row in unchecked:
        fix = ["--fix", "contact_title=CFO"]
        run(["leads", "check", str(row["id"]), *fix, "--by", "mia"], env)
    assert run_json(["leads", "list", "--unchecked"], env) == []

    wes = run_json(
        [
            "reps",
            "add",
            "--name",
            "Wes",
            "--team",
            "2",
            "--seniority",
            "senior",
            "--email",
            "wes.rep@example.com",
        ],
        env,
    )["id"]
    assert run_json(["leads", "show", lid], env)["owner_id"] == wes  # assigned from the queue
    moved = run_json(
        ["leads", "assign", lid, "--rep", str(ann), "--reason", "knows Acme", "--by", "mia"], env
    )
    assert moved["owner_id"] == ann
    run(["leads", "update", lid, "--budget", "100万-150万", "--by", "ann"], env)
    # A time in the lead's own past: after it came to Ann (a time before the lead's creation
    # or its move is refused), and before every command below.
    worked_from = f.wall_clock().isoformat()
    run(
        [
            "leads",
            "log",
            lid,
            "--channel",
            "phone",
            "--points",
            "intro call",
            "--at",
            worked_from,
            "--by",
            "ann",
        ],
        env,
    )
    run(["leads", "criteria", lid, "--intent", "--budget-confirmed", "1500000"], env)
    run(["leads", "fire", lid, "qualify", "--at", worked_from, "--by", "ann"], env)
    run(
        [
            "leads",
            "assess",
            lid,
            "--urgency",
            "immediate",
            "--budget",
            "1500000",
            "--competition",
            "advantage",
            "--decision-chain",
            "simple",
        ],
        env,
    )
    run(
        [
            "leads",
            "plan",
            lid,
            "--pain-points",
            "slow month-end close",
            "--advantages",
            "local team",
            "--strategy",
            "workshop then pilot",
            "--milestones",
            "pilot in 4 weeks",
            "--price",
            "1000000-1500000",
        ],
        env,
    )
    refused = run(["leads", "approve", lid, "--role", "manager", "--by", "mia"], env, ok=False)
    assert "approved by a director" in refused.stderr
    run(["leads", "approve", lid, "--role", "director", "--by", "dana"], env)
    run(["leads", "fire", lid, "start_negotiation", "--by", "ann"], env)
    objection = run_json(
        [
            "leads",
            "object",
            lid,
            "--kind",
            "price",
            "--detail",
            "too dear",
            "--key",
            "--at",
            worked_from,
            "--by",
            "ann",
        ],
        env,
    )
    run(
        [
            "leads",
            "answer",
            lid,
            str(objection["objection_id"]),
            "--response",
            "phased payment",
            "--by",
            "ann",
        ],
        env,
    )
    terms = ["--value", "1400000", "--payment-terms", "net 30", "--delivery-date", "2027-01-15"]
    terms += ["--promise", "rollout", "--promise", "training", "--legal-reviewed-by", "Lee"]
    run(["leads", "contract", lid, *terms, "--by", "ann"], env)
    run(["leads", "approve-contract", lid, "--role", "director", "--by", "dana"], env)
    won = run_json(["leads", "win", lid, *terms, "--by", "ann"], env)
    assert won["state"] == "won"

    again = run_json(
        [
            "leads",
            "add",
            "--source",
            "trade_show",
            "--company",
            "Acme",
            "--contact",
            acme["contact_name"],
            "--email",
            "jo@acme.example",
            "--need",
            "a second site",
            "--region",
            "west",
            "--role",
            "decision_maker",
            "--timeline",
            timeline,
        ],
        env,
    )
    assert again["id"] != int(lid) and not again["duplicate"]
    shown = run_json(["leads", "show", str(again["id"])], env)
    assert shown["repeat_of_id"] == int(lid) and shown["owner_id"] == ann
    assert [c["id"] for c in shown["customer"]] == [int(lid)]

    period = Period.containing(f.wall_clock(), "quarter").label
    run(["targets", "set", "--period", period, "--rep", str(ann), "--revenue", "2800000"], env)
    review = json.loads(
        run(["report", "review", "--period", period, "--format", "json"], env).stdout
    )
    assert review["won_value"] == 1_400_000
    ann_line = next(r for r in review["reps"] if r["name"] == "Ann")
    assert ann_line["revenue_progress"] == 50.0
