"""The review meeting through the CLI as a user runs it: its conclusions entered and shown
(`report notes`), win rates per rep and team, one team's review (`--team`) and ISO weeks.

docs/rules.md §9: "After the meeting, a manager or director enters the main success
factors, the main failure factors and the improvement measures for the period, for a team
or (naming no team) for the whole company"; seed template 4 (转化复盘分析表) has the
columns 主要成功因素, 主要失败因素 and 改进措施."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from tests.e2e.cli_harness import run, run_json
from tests.e2e.test_report_cli import ANN, MIA, _now_period, _won_and_invalid_lead


def _lost_lead(env: dict[str, str]) -> None:
    """A valid east lead, screened, then lost to a competitor."""
    lead = run_json(
        [
            "leads",
            "add",
            "--source",
            "trade_show",
            "--company",
            "Beta",
            "--contact",
            "Bo",
            "--email",
            "bo@beta.example",
            "--need",
            "ERP",
            "--region",
            "east",
            "--role",
            "decision_maker",
            "--budget-max",
            "300000",
        ],
        env,
    )
    lid = str(lead["id"])
    run(["leads", "criteria", lid, "--intent", "--decision-maker"], env)
    run(["leads", "fire", lid, "lose", "--reason", "competitor"], env)


def _two_teams(env: dict[str, str]) -> None:
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", MIA], env)
    run(["teams", "add", "--name", "West", "--region", "west", "--no-email"], env)
    run(
        ["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--email", ANN],
        env,
    )
    run(
        [
            "reps",
            "add",
            "--name",
            "Bob",
            "--team",
            "2",
            "--seniority",
            "senior",
            "--email",
            "bob@example.com",
        ],
        env,
    )


def _review(env: dict[str, str], *args: str) -> dict:
    return json.loads(run(["report", "review", "--format", "json", *args], env).stdout)


def test_conclusions_win_rates_and_a_teams_review(env, tmp_path):
    _two_teams(env)
    _won_and_invalid_lead(env)
    _lost_lead(env)
    quarter = _now_period("quarter")
    entered = run_json(
        [
            "report",
            "notes",
            "--period",
            quarter,
            "--team",
            "1",
            "--success",
            "Fast first contact",
            "--success",
            "Pilot offer",
            "--failure",
            "Lost Beta on price",
            "--improve",
            "Call trade-show leads within a day",
        ],
        env,
    )
    assert entered[0]["team"] == "East" and entered[0]["success"] == [
        "Fast first contact",
        "Pilot offer",
    ]
    run(["report", "notes", "--period", quarter, "--success", "Referrals convert"], env)
    # "Each factor given replaces what was entered for it; a factor not given keeps its points."
    again = run_json(
        ["report", "notes", "--period", quarter, "--team", "1", "--failure", "Beta chose a rival"],
        env,
    )
    assert (again[0]["failure"], again[0]["improve"]) == (
        ["Beta chose a rival"],
        ["Call trade-show leads within a day"],
    )
    shown = run(["report", "notes", "--period", quarter, "--team", "1"], env).stdout
    assert shown.splitlines()[1:] == [
        "  success factors:",
        "    - Fast first contact",
        "    - Pilot offer",
        "  failure factors:",
        "    - Beta chose a rival",
        "  improvement measures:",
        "    - Call trade-show leads within a day",
    ]
    everyone = run_json(["report", "notes", "--period", quarter], env)
    assert [(n["team_id"], n["success"]) for n in everyone] == [
        (None, ["Referrals convert"]),
        (1, ["Fast first contact", "Pilot offer"]),
    ]

    review = _review(env, "--period", quarter)
    # "each rep's and team's deals won and lost in the period and their win rate: deals
    # won over deals won and lost in the period"
    assert [(r["name"], r["won"], r["lost"], r["win_rate"]) for r in review["reps"]] == [
        ("Ann", 1, 1, 0.5),
        ("Bob", 0, 0, None),
    ]
    assert [(t["name"], t["won"], t["lost"], t["win_rate"]) for t in review["teams"]] == [
        ("East", 1, 1, 0.5),
        ("West", 0, 0, None),
    ]
    assert [n["team"] for n in review["notes"]] == [None, "East"]

    east = _review(env, "--period", quarter, "--team", "1")
    assert (east["team_id"], east["team"], east["total_leads"], east["lost_deals"]) == (
        1,
        "East",
        2,  # the won and the lost lead; the invalid one, with no region, has no team
        1,
    )
    assert [r["name"] for r in east["reps"]] == ["Ann"]
    assert [t["name"] for t in east["teams"]] == ["East"]
    assert east["win_model"] is None
    west = _review(env, "--period", quarter, "--team", "2")
    assert (west["total_leads"], west["won_deals"], [r["name"] for r in west["reps"]]) == (
        0,
        0,
        ["Bob"],
    )
    assert [n["team"] for n in west["notes"]] == [None]  # the company's only

    text = run(["report", "review", "--period", quarter], env).stdout
    assert "## Review meeting" in text
    assert (
        "| East | Fast first contact; Pilot offer | Beta chose a rival | "
        "Call trade-show leads within a day |"
    ) in text
    assert "| Whole company | Referrals convert | n/a | n/a |" in text
    page = run(["report", "review", "--period", quarter, "--format", "html"], env).stdout
    assert "<li>Pilot offer</li>" in page and "Review meeting" in page

    book = tmp_path / "q-zh.xlsx"
    run(
        ["report", "review", "--period", quarter, "--format", "xlsx", "--locale", "zh_CN"]
        + ["--out", str(book)],
        env,
    )
    sheet = load_workbook(book)["转化复盘分析表"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[-3:] == ["主要成功因素", "主要失败因素", "改进措施"]
    lost_at, rate_at = header.index("本期流失单数"), header.index("赢单率（赢单 / (赢单 + 流失)）")
    total = rows[1]
    assert total[-3:] == ("Referrals convert", None, None)
    assert (total[lost_at], total[rate_at]) == (1, 0.5)
    (east_row,) = [r for r in rows if r[0] == "团队" and r[1] == "East"]
    assert east_row[-3:] == (
        "Fast first contact\nPilot offer",
        "Beta chose a rival",
        "Call trade-show leads within a day",
    )
    east_book = tmp_path / "east.xlsx"
    run(
        ["report", "review", "--period", quarter, "--format", "xlsx", "--team", "1"]
        + ["--out", str(east_book)],
        env,
    )
    assert load_workbook(east_book)["Lead register"].max_row == 3  # header and East's 2


def test_weeks_and_refusals(env):
    _two_teams(env)
    _won_and_invalid_lead(env)
    week = _now_period("week")
    # "A period is a quarter (2026-Q3), a month (2026-09) or an ISO week (2026-W49 ...)"
    weekly = _review(env, "--period", week.lower())
    assert (weekly["period"], weekly["kind"], weekly["total_leads"]) == (week, "week", 2)
    run(["report", "notes", "--period", week, "--improve", "Weekly pipeline call"], env)
    assert _review(env, "--period", week)["notes"][0]["improve"] == ["Weekly pipeline call"]
    assert "Week from" in run(["report", "review", "--period", week], env).stdout
    run(["targets", "set", "--period", week, "--rep", "1", "--new-customers", "1"], env)
    assert _review(env, "--period", week)["reps"][0]["new_customers_progress"] == 100.0

    bad = run(["report", "review", "--period", "2025-W53"], env, ok=False)
    assert (bad.returncode, bad.stderr.strip()) == (
        2,
        "error: period '2025-W53': 2025 has ISO weeks 01 to 52",
    )
    nobody = run(
        ["report", "notes", "--period", week, "--team", "9", "--success", "x"], env, ok=False
    )
    assert nobody.stderr.strip() == "error: team 9 does not exist"
    empty = run(["report", "notes", "--period", week, "--success", " "], env, ok=False)
    assert empty.returncode == 2 and empty.stderr.startswith("error: success.0:")
    unknown = run(["report", "review", "--period", week, "--team", "9"], env, ok=False)
    assert unknown.stderr.strip() == "error: team 9 does not exist"
    assert run(["report", "notes", "--period", "2026-Q1"], env).stdout.strip() == (
        "no review notes for 2026-Q1"
    )
