"""Issue 31 items 1-2: a team's history from its old CRM imports with one command per file
(`leads import FILE --history`, then `--activities`), and its past quarters' reviews equal
the raw export's numbers, computed here from the CSV alone (tests/crm_history.py)."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from leadflow.review.period import Period
from tests import factories as f
from tests.crm_history import expected_review, review_numbers, write_export
from tests.e2e.api_harness import ok, roster, running_api
from tests.e2e.cli_harness import run, run_json

OWNERS = ["Ann", "bob@example.com", "Cleo"]
CLOCK_FROM = f.NOW - dt.timedelta(days=2)
SINCE = CLOCK_FROM - dt.timedelta(days=2 * 365)


def _team(env: dict[str, str]) -> None:
    run(["teams", "add", "--name", "East", "--no-email"], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--email", "ann@example.com"], env)
    run(["reps", "add", "--name", "Bob", "--team", "1", "--email", "bob@example.com"], env)
    run(["reps", "add", "--name", "Cleo", "--team", "1", "--email", "cleo@example.com"], env)


def _past_quarters() -> list[Period]:
    """Every whole quarter of the export, oldest first."""
    quarter = Period.containing(CLOCK_FROM, "quarter").previous()
    found = []
    while quarter.end > SINCE:
        found.append(quarter)
        quarter = quarter.previous()
    return found[::-1]


def _import_and_compare(env: dict[str, str], folder: Path, deals: int) -> dict[str, object]:
    _team(env)
    export, log = write_export(folder, deals, OWNERS, SINCE, CLOCK_FROM)
    at = CLOCK_FROM.isoformat()
    out = run_json(["leads", "import", str(export), "--history", "--clock-from", at], env)
    assert (out["accepted"], out["rejected"]) == (deals, 0), out["rejections"]
    logged = run_json(["leads", "import", str(log), "--activities"], env)
    assert logged["rejected"] == 0 and logged["accepted"] > deals // 3, logged
    for quarter in _past_quarters():
        review = json.loads(
            run(["report", "review", "--period", quarter.label, "--format", "json"], env).stdout
        )
        expected = expected_review(export, quarter.start, quarter.end)
        assert review_numbers(review) == expected, quarter.label
    return {**out, "logged": logged["accepted"]}


def test_a_crm_history_of_300_deals_reviews_as_its_raw_file(env, tmp_path):
    out = _import_and_compare(env, tmp_path, 300)
    assert out["closed"] > 150 and out["open"] > 50
    # Importing the file again stores nothing twice.
    export = tmp_path / "deals.csv"
    again = run_json(["leads", "import", str(export), "--history"], env)
    assert (again["accepted"], again["replayed"]) == (0, 300)
    log = run_json(["leads", "import", str(tmp_path / "activities.csv"), "--activities"], env)
    assert (log["accepted"], log["replayed"]) == (0, out["logged"])
    # An open deal's clocks start at --clock-from; a closed one has none.
    leads = run_json(["leads", "list", "--limit", "500"], env)
    shown = [run_json(["leads", "show", str(lead["id"])], env) for lead in leads[:40]]
    for lead in shown:
        if lead["state"] in ("won", "lost"):
            assert lead["first_contact_due"] is None and lead["next_cadence_due"] is None
        elif lead["owner_id"] is not None:
            assert dt.datetime.fromisoformat(lead["assigned_at"]) == CLOCK_FROM
            assert dt.datetime.fromisoformat(lead["first_contact_due"]) > CLOCK_FROM


@pytest.mark.slow  # about 10,000 deals through the real CLI
@pytest.mark.timeout(1200)
def test_a_crm_history_of_10000_deals_reviews_as_its_raw_file(env, tmp_path):
    started = time.monotonic()
    _import_and_compare(env, tmp_path, 10_000)
    assert time.monotonic() - started < 600


def test_history_rows_are_checked_and_kept_in_quarantine(env, tmp_path):
    _team(env)
    export = tmp_path / "bad.csv"
    export.write_text(
        "Deal ID,Source,Company,Contact Name,Email,Description,Deal Owner,Stage,Create Date,"
        "screened_at,Close Date,Amount,Loss Reason\n"
        "A-1,referral,Acme,Ann Lee,,steel frames,Ann,Closed Won,2024-03-01,2024-03-02,"
        "2024-02-01,1000,\n"
        "A-2,referral,Acme,Ann Lee,,steel frames,Zed,Closed Lost,2024-03-01,2024-03-02,"
        "2024-04-01,,kept as written\n"
        "A-3,referral,Acme,Ann Lee,,steel frames,ann@example.com,Closed Lost,2024-03-01,"
        "2024-03-02,2024-04-01,,the buyer retired\n"
        "A-4,referral,Acme,Ann Lee,ann@acme.example,steel frames,Ann,opportunity,2024-03-01,"
        "2024-03-02,,,\n",
        encoding="utf-8",
    )
    looked = run(["leads", "import", str(export), "--history", "--dry-run"], env).stdout
    assert "dry run: leads: accepted 2 (2 closed, 0 open), rejected 2" in looked
    assert "nothing was stored" in looked and run_json(["leads", "list"], env) == []
    out = run_json(["leads", "import", str(export), "--history"], env)
    errors = {r["row"]: r["errors"] for r in out["rejections"]}
    # Rows are numbered as the file's lines: the header is line 1.
    assert out["accepted"] == 1 and errors.keys() == {2, 3, 5}, errors
    assert "closed_at (2024-02-01T00:00+00:00) is before screened_at" in errors[2]["(record)"]
    assert "'Zed' is no rep's name or email" in errors[3]["owner"]
    assert "opportunity_at: required for a lead in state opportunity" in errors[5]["(record)"]
    assert all("quarantine_id" in r for r in out["rejections"])
    lost = run_json(["leads", "list", "--state", "lost"], env)
    shown = run_json(["leads", "show", str(lost[0]["id"])], env)
    assert shown["loss_reason"] == "the buyer retired" and shown["email"] is None
    refused = run(
        ["leads", "import", str(export), "--history", "--clock-from", "2999-01-01T00:00:00"],
        env,
        ok=False,
    )
    assert "--clock-from 2999-01-01T00:00:00+00:00: in the future" in refused.stderr


def test_a_file_without_external_ids_imported_again_stores_nothing_twice(env, tmp_path):
    """Rows without an id are known by the file's bytes and the row, as `leads import`
    knows them: a second run (after a crash, say) is a replay, not a second customer."""
    _team(env)
    export = tmp_path / "no_ids.csv"
    export.write_text(
        "Source,Company,Contact Name,Email,Description,Deal Owner,Stage,Create Date,"
        "screened_at,Close Date,Amount,Loss Reason\n"
        "referral,Acme,Ann Lee,,steel frames,Ann,Closed Won,2024-03-01,2024-03-02,"
        "2024-04-01,1000,\n"
        "referral,Bolt,Bo Li,,steel frames,Cleo,Closed Lost,2024-03-01,2024-03-02,"
        "2024-04-01,,the buyer retired\n",
        encoding="utf-8",
    )
    first = run_json(["leads", "import", str(export), "--history"], env)
    assert (first["accepted"], first["replayed"]) == (2, 0), first
    again = run_json(["leads", "import", str(export), "--history"], env)
    assert (again["accepted"], again["replayed"]) == (0, 2), again
    assert len(run_json(["leads", "list"], env)) == 2


def test_the_api_takes_a_history_batch_and_its_activities(sqlite_url):
    with running_api(sqlite_url) as api:
        team = roster(api)
        manager = team.manager
        past = {
            "source": "referral",
            "company_name": "Acme",
            "contact_name": "Ann Lee",
            "need": "steel frames",
            "external_id": "OLD-1",
            "owner": "ann@example.com",
            "state": "won",
            "created_at": "2024-01-02T09:00:00Z",
            "screened_at": "2024-01-03T09:00:00Z",
            "opportunity_at": "2024-02-01T09:00:00Z",
            "closed_at": "2024-03-01T09:00:00Z",
            "contract_value": 250000,
        }
        late = {**past, "external_id": "OLD-2", "closed_at": "2023-12-01T09:00:00Z"}
        body = {"leads": [past, late], "clock_from": CLOCK_FROM.isoformat()}
        report = ok(manager.post("/leads/history", json=body))
        assert (report["accepted"], report["rejected"]) == (1, 1)
        assert report["rejections"][0]["row"] == 1
        assert "closed_at" in report["rejections"][0]["errors"]["(record)"]
        contact = {"lead": "OLD-1", "at": "2024-02-10T10:00:00Z", "channel": "visit"}
        logged = ok(
            manager.post(
                "/activities/history", json={"activities": [contact | {"key_points": "demo"}]}
            )
        )
        assert logged["accepted"] == 1
        (lead,) = ok(manager.get("/leads", params={"state": "won"}))["items"]
        shown = ok(manager.get(f"/leads/{lead['id']}"))
        assert shown["migrated_at"] == CLOCK_FROM.isoformat().replace("+00:00", "Z")
        assert shown["created_at"].startswith("2024-01-02T09:00")
        assert team.reps[0].post("/leads/history", json=body).status_code == 403
