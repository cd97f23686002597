"""Issue 29, item 8 end to end: activity targets (seed 004: 每周需通过行业展会获取3条有效
线索, 每日跟进意向客户2家), approval and filing and the break-down warning (docs/rules.md
§9), through the CLI and the API over real HTTP. The CLI and the API stamp the wall clock,
so the period is the current ISO week and the measured numbers are what was just recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadflow.review.period import Period
from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.cli_harness import run, run_json

WEEK = Period.containing(f.wall_clock(), "week").label


def _import(env: dict[str, str], tmp_path: Path, *records: dict[str, object]) -> list[int]:
    path = tmp_path / "leads.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    run(["leads", "import", str(path), "--by", "carol"], env)
    return [row["id"] for row in run_json(["leads", "list"], env)]


def test_cli_sets_measures_approves_and_warns(env, tmp_path):
    """Rule book §9: "`leadflow targets set --rep 1 --period 2026-W49 --valid-leads
    trade_show=3 --follow-ups-per-day 2`"; "A valid lead counts for the rep its 录入人
    (`entered_by`) names"; "A target is proposed until a director approves it"; "a warning
    names both sums; the target is still saved"."""
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", "mia@x.com"], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--email", "ann@x.com"], env)
    records = [f.lead_record(source="trade_show", entered_by="Ann") for _ in range(2)]
    first, second = _import(env, tmp_path, *records)
    for lead_id in (first, second):  # out of business hours intake queues them: Ann takes them
        if run_json(["leads", "show", str(lead_id)], env)["state"] == "screened":
            run(["leads", "assign", str(lead_id), "--rep", "1", "--by", "mia"], env)
    run(["reps", "add", "--name", "Bob", "--team", "1", "--email", "bob@x.com"], env)
    for lead_id in (first, second, first):  # the same customer twice today counts once
        run(["leads", "log", str(lead_id), "--channel", "phone", "--points", "demo"], env)
    out = run(
        ["targets", "set", "--rep", "1", "--period", WEEK, "--valid-leads", "trade_show=1",
         "--follow-ups-per-day", "2", "--by", "mia"],
        env,
    ).stdout  # fmt: skip
    assert "valid leads trade_show a week 1, follow-ups a working day 2" in out
    assert "(proposed, awaiting a director's approval)" in out
    out = run(
        ["targets", "set", "--team", "1", "--period", WEEK, "--valid-leads", "trade_show=3",
         "--revenue", "1000"],
        env,
    ).stdout  # fmt: skip
    assert (
        f"warning: Team East {WEEK}: the reps' targets do not add up to the team's (revenue: "
        "reps 0.00, team 1,000.00; valid leads a week, trade show: reps 1, team 3)"
    ) in out
    listed = run(["targets", "list", "--period", WEEK], env).stdout
    assert "proposed" in listed and "trade_show=1" in listed and "warning: Team East" in listed
    team_row, ann_row = run_json(["targets", "list", "--period", WEEK, "--json"], env)
    (leads,) = ann_row["measured"]["valid_leads"]
    assert (leads["channel"], leads["actual"], leads["expected"], leads["met"]) == (
        "trade_show",
        2,
        1,
        True,
    )
    follow_ups = ann_row["measured"]["follow_ups"]
    assert (follow_ups["per_day"], follow_ups["actual"], follow_ups["days_met"]) == (2, 2, 0)
    assert follow_ups["working_days"] == 5 and follow_ups["met"] in (None, False)
    assert team_row["measured"]["valid_leads"][0]["actual"] == 2
    bad = run(["targets", "set", "--rep", "1", "--period", WEEK, "--valid-leads", "fair=3"], env,
              ok=False)  # fmt: skip
    assert "valid_leads: 'fair' is not a channel" in bad.stderr and "Traceback" not in bad.stderr
    approved = run(["targets", "approve", str(ann_row["id"]), "--by", "dan"], env).stdout
    assert "(filed, approved by dan)" in approved
    shown = run_json(["targets", "show", str(ann_row["id"]), "--json"], env)
    assert (shown["status"], shown["approved_by"], shown["proposed_by"]) == ("filed", "dan", "mia")
    run(["targets", "set", "--rep", "1", "--period", WEEK, "--follow-ups-per-day", "3"], env)
    assert run_json(["targets", "show", str(ann_row["id"]), "--json"], env)["status"] == "proposed"
    report = run(["report", "review", "--period", WEEK, "--format", "md"], env).stdout
    assert "## Targets: approval and activity" in report
    assert (
        "| Ann | Proposed, not approved | Valid leads, trade show | 1 a week | 1 | 2 | met |"
        in (report)
    )
    chinese = run(
        ["report", "review", "--period", WEEK, "--format", "md", "--locale", "zh_CN"], env
    ).stdout
    assert "## 目标：审批备案与活动目标" in chinese and "待审批（未备案）" in chinese


@pytest.fixture
def api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url) as running:
        yield running


def test_api_sets_approves_measures_and_refuses(api):
    """Rule book §9: "`POST /targets` with `valid_leads` and `follow_ups_per_day`"; "A
    director approves with `leadflow targets approve ID --by NAME` or
    `POST /targets/{id}/approval` (director key); a manager's key is refused"; "A follow-up
    is a contact the rep logged on a lead that was nurturing, an opportunity or in
    negotiation"."""
    team = roster(api)
    ann, bob = team.rep_ids
    lead = {**f.lead_record(source="trade_show"), "entered_by": "Bob"}
    lead_id = ok(team.system.post("/leads", json=lead), 201)["id"]
    api.process()
    owner = (ok(team.manager.get(f"/leads/{lead_id}"))["owner"] or {}).get("id")
    if owner is None:  # queued out of business hours: a manager gives it to Bob
        ok(team.manager.post(f"/leads/{lead_id}/assign", json={"rep_id": bob}))
        owner = bob
    owner_key = team.reps[team.rep_ids.index(owner)]
    activity = {"channel": "phone", "key_points": "demo"}
    ok(owner_key.post(f"/leads/{lead_id}/activities", json=activity), 201)
    body = {"period": WEEK, "rep_id": bob, "valid_leads": {"trade_show": 3}}
    created = ok(team.manager.post("/targets", json={**body, "follow_ups_per_day": 2}), 201)
    assert (created["status"], created["proposed_by"], created["approved_by"]) == (
        "proposed",
        "manager:test manager",
        None,
    )
    shown = ok(team.reps[0].get(f"/targets/{created['id']}"))
    assert shown["measured"]["valid_leads"][0]["actual"] == 1  # Bob entered it
    assert shown["measured"]["follow_ups"]["actual"] == (1 if owner == bob else 0)
    path = f"/targets/{created['id']}/approval"
    for refused in (team.manager, team.reps[0], team.system):
        assert refused.post(path).status_code == 403
    filed = ok(team.director.post(path))
    assert (filed["status"], filed["approved_by"]) == ("filed", "director:test director")
    assert filed["approved_at"] is not None
    assert ok(team.director.post("/targets/999/approval"), 404)["detail"] == (
        "target 999 does not exist"
    )
    again = ok(team.manager.post("/targets", json={**body, "valid_leads": {"trade_show": 4}}))
    assert (again["status"], again["approved_by"]) == ("proposed", None)
    team_target = ok(
        team.manager.post(
            "/targets",
            json={"period": WEEK, "team_id": team.team_id, "valid_leads": {"trade_show": 4}},
        ),
        201,
    )
    assert team_target["warnings"] == []  # Bob's 4 is the team's 4
    ok(team.manager.post("/targets", json={"period": WEEK, "rep_id": ann, "new_customers": 1}), 201)
    changed = ok(
        team.manager.post(
            "/targets",
            json={"period": WEEK, "team_id": team.team_id, "valid_leads": {"trade_show": 6}},
        )
    )
    assert changed["warnings"] == [
        f"Team East {WEEK}: the reps' targets do not add up to the team's "
        "(valid leads a week, trade show: reps 4, team 6)"
    ]
    bad = ok(team.manager.post("/targets", json={**body, "valid_leads": {"fair": 1}}), 422)
    assert "valid_leads" in bad["errors"]
    negative = ok(team.manager.post("/targets", json={**body, "follow_ups_per_day": -1}), 422)
    assert "follow_ups_per_day" in negative["errors"]
    review = ok(team.manager.get(f"/reviews/{WEEK}"))
    assert [(t["name"], t["status"]) for t in review["activity_targets"]] == [
        ("East", "proposed"),
        ("Ann", "proposed"),
        ("Bob", "proposed"),
    ]
    assert review["target_warnings"] == changed["warnings"]
