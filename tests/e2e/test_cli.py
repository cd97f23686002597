"""The `leadflow` command as a user runs it: real files, real exit codes, the one-line errors.

Most tests call the console entry point in-process (tests/e2e/cli_harness.py); the ones at
the end run the installed `leadflow` command in its own process."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest

from leadflow.store.migrate import HEAD
from tests import factories as f
from tests.e2e.cli_harness import cli_env, run, run_installed, run_json

MIA = "mia@example.com"


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns = sorted({k for r in rows for k in r})
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def test_setup_import_and_inspect(env, tmp_path):
    assert run_json(["db", "upgrade"], env)["to"] == HEAD
    team = run_json(
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
    rep = run_json(
        [
            "reps",
            "add",
            "--name",
            "Ann",
            "--team",
            str(team["id"]),
            "--seniority",
            "senior",
            "--email",
            "ann@example.com",
        ],
        env,
    )
    run(["reps", "add", "--name", "Bob", "--team", str(team["id"]), "--away", "--no-email"], env)
    rows = [
        f.lead_record(email="jo@acme.example", phone="+1 555 777 8888"),
        f.lead_record(email="JO@ACME.EXAMPLE", source="referral"),  # duplicate in file
        f.lead_record(source=""),  # rejected: no source (an unknown one is kept as other)
        f.lead_record(),
    ]
    path = tmp_path / "leads.csv"
    _write_csv(path, rows)
    out = run_json(["leads", "import", str(path)], env)
    assert (out["import"]["accepted"], out["import"]["duplicates"], out["import"]["rejected"]) == (
        2,
        1,
        1,
    )
    assert out["import"]["rejections"][0]["row"] == 4
    assert "source" in out["import"]["rejections"][0]["errors"]
    assert out["intake"]["assigned"] == 2
    text = run(["leads", "import", str(path)], env).stdout  # again: a replay stores nothing
    assert "accepted 0, duplicates 0, rejected 1, already imported 3 (skipped)" in text
    assert "row 4: source" in text
    leads = run_json(["leads", "list", "--owner", str(rep["id"])], env)
    assert len(leads) == 2 and {row["state"] for row in leads} == {"nurturing"}
    shown = run_json(["leads", "show", str(leads[-1]["id"])], env)
    assert shown["source"] == "website_form"  # the first touch; the referral is a touch
    assert [t["channel"] for t in shown["touches"]] == ["website_form", "referral"]
    assert [t["trigger"] for t in shown["transitions"]] == ["screen", "start_nurturing"]
    assert any(h["field"] == "merged_duplicate" for h in shown["history"])
    reps = run_json(["reps", "list"], env)
    assert [r["open_leads"] for r in reps] == [2, 0]
    refused = run(["reps", "delete", str(rep["id"])], env, ok=False)
    assert refused.returncode != 0 and "owns 2 leads" in refused.stderr
    assert run_json(["reps", "delete", str(reps[1]["id"])], env)["deleted"] is True
    assert [r["name"] for r in run_json(["reps", "list"], env)] == ["Ann"]
    kept = run_json(["quarantine", "list", "--waiting"], env)  # the sourceless row, both imports
    assert len(kept) == 2 and all("source" in r["errors"] for r in kept)
    assert all("leads.csv" in r["origin"] for r in kept)
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps(f.lead_record(source="referral")), encoding="utf-8")
    done = run_json(["quarantine", "replay", str(kept[0]["id"]), "--file", str(fixed)], env)
    assert done["created"] is True and done["state"] == "nurturing"
    again = run_json(["quarantine", "replay", str(kept[0]["id"])], env)
    assert (again["id"], again["created"]) == (done["id"], False)
    still_bad = run(["quarantine", "replay", str(kept[1]["id"])], env, ok=False)
    assert still_bad.returncode == 2 and "source" in still_bad.stderr  # as kept: still no source
    assert "--after" not in run(["quarantine", "list", "--limit", "2"], env).stdout
    assert "more: --after" in run(["quarantine", "list", "--limit", "1"], env).stdout


def test_lifecycle_commands_and_clear_errors(env):
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", MIA], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--no-email"], env)
    lead = run_json(
        [
            "leads",
            "add",
            "--source",
            "website_form",
            "--company",
            "Acme",
            "--contact",
            "Jo",
            "--email",
            "jo@acme.example",
            "--need",
            "CRM",
            "--region",
            "east",
            "--role",
            "decision_maker",
            "--budget-max",
            "500000",
            "--timeline",
            "2026-12-01",
        ],
        env,
    )
    assert lead["state"] == "nurturing" and lead["owner_id"] == 1
    lid = str(lead["id"])
    bad = run(["leads", "fire", lid, "win"], env, ok=False)
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        f"error: lead {lid}: cannot 'win' from state 'nurturing'; allowed: qualify, lose"
    )
    refused = run(["leads", "fire", lid, "qualify"], env, ok=False)
    assert "0 of 4 conversion criteria" in refused.stderr
    run(["leads", "criteria", lid, "--intent", "--decision-maker"], env)
    assert run_json(["leads", "fire", lid, "qualify", "--by", "ann"], env)["state"] == "opportunity"
    graded = run_json(
        [
            "leads",
            "assess",
            lid,
            "--urgency",
            "immediate",
            "--budget",
            "1200000",
            "--competition",
            "parity",
            "--decision-chain",
            "simple",
        ],
        env,
    )
    assert graded == {"lead_id": int(lid), "points": 33, "grade": "A"}
    run(
        [
            "leads",
            "plan",
            lid,
            "--pain-points",
            "slow close",
            "--advantages",
            "local team",
            "--strategy",
            "pilot",
            "--milestones",
            "pilot in May",
            "--price",
            "1000000-1500000",
        ],
        env,
    )
    run(["leads", "approve", lid, "--role", "director", "--by", "dana"], env)
    run(["leads", "fire", lid, "start_negotiation"], env)
    run(["leads", "object", lid, "--kind", "price", "--detail", "too high"], env)
    assert run_json(["leads", "track", lid, "webinar"], env)["score"] == 30 + 20 + 15
    run(["leads", "log", lid, "--channel", "meeting", "--points", "terms agreed"], env)
    no_contract = run(["leads", "fire", lid, "win"], env, ok=False)
    assert "leads contract ID --value AMOUNT" in no_contract.stderr
    run(["leads", "contract", lid, "--value", "1200000", "--legal-reviewed-by", "Lee"], env)
    run(["leads", "approve-contract", lid, "--role", "director", "--by", "dana"], env)
    assert run_json(["leads", "win", lid, "--value", "1200000"], env)["state"] == "won"
    missing = run(["leads", "show", "999"], env, ok=False)
    assert missing.stderr.strip() == "error: lead 999 does not exist"
    wrong = run(
        ["leads", "add", "--source", "pigeon", "--company", "X", "--contact", "Y", "--need", "Z"],
        env,
        ok=False,
    )
    assert "source: 'pigeon' is not a known channel" in wrong.stderr
    nocontact = run(
        ["leads", "add", "--source", "other", "--company", "X", "--contact", "Y", "--need", "Z"],
        env,
        ok=False,
    )
    assert "(record): phone or email: at least one is required" in nocontact.stderr


def _add_args(record: dict[str, Any]) -> list[str]:
    """`leads add` options for a factory lead record."""
    options = {
        "source": "--source",
        "company_name": "--company",
        "contact_name": "--contact",
        "need": "--need",
        "email": "--email",
        "phone": "--phone",
        "region": "--region",
        "industry": "--industry",
        "company_size": "--size",
        "contact_role": "--role",
        "budget_max": "--budget-max",
        "timeline": "--timeline",
    }
    return [arg for key, option in options.items() for arg in (option, str(record[key]))]


def test_leads_add_works_only_the_lead_it_added(env):
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", MIA], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--no-email"], env)
    waiting = run_json(["leads", "add", *_add_args(f.lead_record()), "--no-process"], env)
    assert waiting["state"] == "new"
    added = run_json(["leads", "add", *_add_args(f.lead_record())], env)
    assert added["id"] != waiting["id"]
    assert added["state"] == "nurturing" and added["owner_id"] == 1 and added["grade"]
    still = run_json(["leads", "show", str(waiting["id"])], env)
    assert (still["state"], still["owner_id"], still["transitions"]) == ("new", None, [])
    worked = run_json(["leads", "process"], env)  # the waiting lead is the sweeper's, still
    assert worked["processed"] == 1


def test_rules_check_needs_no_database(tmp_path):
    records = [
        {
            **f.lead_record(budget_max=150000),
            "events": {"webinar": 1, "download": 1},
            "opportunity": {
                "urgency": "urgent",
                "budget": 400000,
                "competition": "advantage",
                "decision_chain": "medium",
            },
        },
        f.lead_record(
            contact_role="user", budget_max=None, timeline=None, phone="12", email="nope"
        ),
    ]
    path = tmp_path / "leads.json"
    path.write_text(json.dumps(records))
    env = {**os.environ, "LEADFLOW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    out = json.loads(
        run(
            ["rules", "check", str(path), "--json", "--today", f.NOW.date().isoformat()], env
        ).stdout
    )
    first, second = out
    assert first["valid"] and first["bant"] == {
        "budget": True,
        "authority": True,
        "need": True,
        "timeline": True,
    }
    assert (first["behaviour_score"], first["attribute_score"], first["score"]) == (25, 60, 85)
    assert (first["priority"], first["nurture_stage"], first["grade"]) == (
        "high",
        "consideration",
        "A",
    )
    assert first["opportunity"] == {"points": 2 + 15 + 3 + 2, "grade": "B"}
    assert not second["valid"] and second["grade"] == "C" and "opportunity" not in second
    assert "contact cannot be verified" in second["explain"]["invalid_reason"]
    path.write_text('[{"source": "website_form", "timeline": "soon"}]')
    bad = run(["rules", "check", str(path)], env, ok=False)
    assert bad.stderr.startswith("error: record 0: timeline:")


def test_bad_config_names_file_and_key(tmp_path, env):
    (tmp_path / "rules.yaml").write_text("scoring:\n  priority:\n    high: lots\n")
    bad = run(["rules", "check", "x.json"], {**env, "LEADFLOW_CONFIG_DIR": str(tmp_path)}, ok=False)
    assert str(tmp_path / "rules.yaml") in bad.stderr
    assert "scoring.priority.high" in bad.stderr


def test_diagram_is_mermaid(env):
    text = run(["diagram"], env).stdout
    assert "stateDiagram-v2" in text and "negotiation --> won: win" in text


def test_the_installed_command_migrates_a_new_file_and_fails_in_one_line(tmp_path):
    env = cli_env(tmp_path)
    done = json.loads(run_installed(["db", "upgrade", "--json"], env).stdout)
    assert (done["from"], done["to"]) == (None, HEAD)
    missing = run_installed(["leads", "show", "999"], env, ok=False)
    assert missing.returncode == 2
    assert missing.stderr == "error: lead 999 does not exist\n"


@pytest.mark.slow  # the README's first command: a Prefect server and a quarter's flows
def test_demo_runs_small(tmp_path, env):
    out = json.loads(
        run_installed(
            ["demo", "--leads", "300", "--out", str(tmp_path / "demo"), "--json"], env, timeout=300
        ).stdout
    )
    assert out["imported"]["accepted"] > 250 and out["valid"] > 0
    assert sum(out["states"].values()) == out["imported"]["accepted"]
    assert out["states"].get("new", 0) == 0
    assert Path(out["database"].removeprefix("sqlite:///")).exists()
    assert Path(out["leads_file"]).exists()
    folder, quarter = tmp_path / "demo", out["quarter"]
    assert sorted(Path(p).name for p in out["review_files"]) == sorted(
        f"review-{quarter}.{fmt}" for fmt in ("html", "md", "xlsx", "json")
    )
    assert all(Path(p).stat().st_size > 1000 for p in out["review_files"])
    handoffs = folder / "handoffs"
    assert out["handoffs"] > 0
    for pattern in ("lead-*[0-9].md", "lead-*[0-9].html", "lead-*-delivery.html"):
        assert len(list(handoffs.glob(pattern))) == out["handoffs"], pattern
    from leadflow.cli.demo import _text

    printed = _text(out)
    assert f"reviews/review-{quarter}.html" in printed and f"review     {quarter}:" in printed
    assert "handoffs/lead-<id>.html and .md" in printed
    assert all(rep["target_revenue"] for rep in out["review"]["reps"])
    assert any(rep["revenue_progress"] for rep in out["review"]["reps"])
