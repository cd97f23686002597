"""`leadflow report review` and `leadflow targets` as a user runs them (in-process through
the console entry point, see tests/e2e/cli_harness.py): real files, exit codes, errors."""

from __future__ import annotations

import datetime as dt
import json

from openpyxl import load_workbook

from leadflow.review.period import Period
from tests import factories as f
from tests.e2e.cli_harness import run, run_json

MIA, ANN = "mia@example.com", "ann@example.com"


def _now_period(kind: str) -> str:
    return Period.containing(f.wall_clock(), kind).label  # type: ignore[arg-type]


def _won_and_invalid_lead(env: dict[str, str]) -> None:
    """One lead taken to won through the CLI, and one that fails screening."""
    timeline = (f.wall_clock().date() + dt.timedelta(days=30)).isoformat()
    lead = run_json(
        [
            "leads",
            "add",
            "--source",
            "referral",
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
            timeline,
        ],
        env,
    )
    lid = str(lead["id"])
    run(["leads", "criteria", lid, "--intent", "--decision-maker"], env)
    run(["leads", "fire", lid, "qualify"], env)
    run(
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
    run(["leads", "contract", lid, "--value", "1200000", "--legal-reviewed-by", "Lee"], env)
    run(["leads", "approve-contract", lid, "--role", "director", "--by", "dana"], env)
    run(["leads", "win", lid], env)
    run(
        [
            "leads",
            "add",
            "--source",
            "website_form",
            "--company",
            "Nope",
            "--contact",
            "No",
            "--email",
            "no@nope.example",
            "--need",
            "?",
            "--role",
            "user",
        ],
        env,
    )


def test_targets_set_and_list(env):
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", MIA], env)
    run(
        ["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--email", ANN],
        env,
    )
    first = run_json(
        [
            "targets",
            "set",
            "--period",
            "2026-q3",
            "--rep",
            "1",
            "--revenue",
            "500000",
            "--new-customers",
            "2",
        ],
        env,
    )
    assert first["status"] == "proposed" and first["proposed_by"] == "cli"  # seed 004: 审批
    shown = {k: first[k] for k in ("id", "period", "team_id", "team", "rep_id", "rep")}
    numbers = {k: first[k] for k in ("revenue", "new_customers", "repeat_rate")}
    assert {**shown, **numbers} == {
        "id": 1,
        "period": "2026-Q3",
        "team_id": None,
        "team": None,
        "rep_id": 1,
        "rep": "Ann",
        "revenue": 500000.0,
        "new_customers": 2,
        "repeat_rate": None,
    }
    again = run(
        ["targets", "set", "--period", "2026-Q3", "--rep", "1", "--repeat-rate", "0.2"], env
    ).stdout.strip()
    assert again == (
        "target 1 2026-Q3 for rep 1 Ann: revenue 500000.0, new customers 2, repeat rate 0.2 "
        "(proposed, awaiting a director's approval)"
    )
    run(["targets", "set", "--period", "2026-09", "--team", "1", "--revenue", "90000"], env)
    listed = run_json(["targets", "list"], env)
    assert [(t["period"], t["team"], t["rep"], t["revenue"]) for t in listed] == [
        ("2026-09", "East", None, 90000.0),
        ("2026-Q3", None, "Ann", 500000.0),
    ]
    assert [t["id"] for t in run_json(["targets", "list", "--period", "2026-Q3"], env)] == [1]
    text = run(["targets", "list", "--period", "2026-09"], env).stdout
    assert text.splitlines()[0].split() == [
        "id",
        "period",
        "team",
        "rep",
        "status",
        "revenue",
        "new_customers",
        "repeat_rate",
        "valid_leads",
        "follow_ups",
    ]
    both = run(
        ["targets", "set", "--period", "2026-Q3", "--rep", "1", "--team", "1"], env, ok=False
    )
    assert both.returncode == 2 and "exactly one team or one rep" in both.stderr
    assert (
        run(["targets", "set", "--period", "2026-Q3", "--rep", "9"], env, ok=False).stderr.strip()
        == "error: rep 9 does not exist"
    )
    bad = run(["targets", "set", "--period", "Q3", "--team", "1"], env, ok=False)
    assert bad.stderr.strip() == (
        "error: period 'Q3': expected a quarter like 2026-Q3, a month like 2026-09 or an "
        "ISO week like 2026-W49"
    )


def test_review_json_markdown_and_refusals(env, tmp_path):
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", MIA], env)
    run(
        ["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--email", ANN],
        env,
    )
    _won_and_invalid_lead(env)
    quarter, month = _now_period("quarter"), _now_period("month")
    run(["targets", "set", "--period", quarter, "--rep", "1", "--new-customers", "2"], env)
    review = json.loads(
        run(["report", "review", "--period", quarter, "--format", "json"], env).stdout
    )
    assert (review["period"], review["kind"]) == (quarter, "quarter")
    assert (
        review["total_leads"],
        review["valid_leads"],
        review["opportunities"],
        review["grade_a_opportunities"],
    ) == (2, 1, 1, 1)
    assert (review["cohort_won"], review["conversion_rate"], review["won_deals"]) == (1, 1.0, 1)
    assert [(c["channel"], c["leads"], c["won"]) for c in review["channels"]] == [
        ("referral", 1, 1),
        ("website_form", 1, 0),
    ]
    (ann,) = review["reps"]
    assert (
        ann["name"],
        ann["won"],
        ann["new_customers"],
        ann["target_new_customers"],
        ann["new_customers_progress"],
        ann["revenue_progress"],
    ) == ("Ann", 1, 1, 2, 50.0, None)
    monthly = json.loads(
        run(["report", "review", "--period", month, "--format", "json"], env).stdout
    )
    assert (monthly["kind"], monthly["total_leads"]) == ("month", 2)
    assert monthly["reps"][0]["target_new_customers"] is None  # the target is for the quarter

    out = tmp_path / "reports" / "review.md"
    done = run(["report", "review", "--period", quarter, "--out", str(out)], env)
    assert done.stdout.strip() == f"review {quarter} written to {out}"
    text = out.read_text()
    assert text.startswith(f"# Pipeline review {quarter}\n")
    assert "| Conversion rate (won / valid) | 100.0% |" in text
    printed = run(["report", "review", "--period", quarter], env).stdout  # md by default
    assert printed.splitlines()[4:] == text.splitlines()[4:]  # all but the generated line

    unknown = run(["report", "review", "--period", quarter, "--format", "pdf"], env, ok=False)
    assert unknown.stderr.strip() == "error: format: 'pdf' is not one of html, md, xlsx, json"
    bad = run(["report", "review", "--period", "2026-13"], env, ok=False)
    assert bad.returncode == 2 and "period '2026-13'" in bad.stderr


def test_review_as_html_and_as_a_workbook_per_role(env, tmp_path):
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", MIA], env)
    run(
        ["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--email", ANN],
        env,
    )
    _won_and_invalid_lead(env)
    quarter = _now_period("quarter")
    page = run(["report", "review", "--period", quarter, "--format", "html"], env).stdout
    assert page.startswith("<!DOCTYPE html>") and page.count("data:image/svg+xml;base64,") == 6
    assert f"<title>Pipeline review {quarter}</title>" in page

    done = run(["report", "review", "--period", quarter, "--format", "xlsx"], env, cwd=tmp_path)
    default = tmp_path / f"review-{quarter}.xlsx"
    assert done.stdout.strip() == (
        f"review {quarter} written to review-{quarter}.xlsx "
        "(a workbook is never printed; --out chooses the file)"
    )
    register = load_workbook(default)["Lead register"]
    assert register.max_row == 3  # the header and the two leads
    budgets = {row[0].value: row[17].value for row in register.iter_rows(min_row=2)}
    assert budgets[1] == 500000  # the default role is manager
    masked = tmp_path / "out" / "rep.xlsx"
    run(
        [
            "report",
            "review",
            "--period",
            quarter,
            "--format",
            "xlsx",
            "--role",
            "system",
            "--out",
            str(masked),
        ],
        env,
    )
    rows = list(load_workbook(masked)["Lead register"].iter_rows(min_row=2, values_only=True))
    assert {row[17] for row in rows} == {"(restricted)"}
    nameless = run(["report", "review", "--period", quarter, "--role", "rep"], env, ok=False)
    assert nameless.stderr.strip() == "error: rep: a rep's view needs the rep's id (--rep ID)"
    bad = run(
        ["report", "review", "--period", quarter, "--format", "xlsx", "--role", "boss"],
        env,
        ok=False,
    )
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "error: role: 'boss' is not one of system, rep, manager, director"
    )


def test_review_in_the_teams_language(env, tmp_path):
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", MIA], env)
    run(
        ["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--email", ANN],
        env,
    )
    _won_and_invalid_lead(env)
    quarter = _now_period("quarter")
    chinese = {**env, "LEADFLOW_LOCALE": "zh_CN"}
    text = run(["report", "review", "--period", quarter], chinese).stdout
    assert text.startswith(f"# 销售管道复盘 {quarter}\n")
    assert "| 转介绍 | 1 | 1 | 1 | 100.0% |" in text and "| 官网 | 1 | 0 | 0 | 0.0% |" in text
    english = run(["report", "review", "--period", quarter, "--locale", "en"], chinese).stdout
    assert english.startswith(f"# Pipeline review {quarter}\n") and "| referral |" in english
    book = tmp_path / "q.xlsx"
    run(
        [
            "report",
            "review",
            "--period",
            quarter,
            "--format",
            "xlsx",
            "--locale",
            "zh-CN",
            "--out",
            str(book),
        ],
        env,
    )
    assert load_workbook(book, read_only=True).sheetnames == [
        "线索信息表",
        "线索培育跟进表",
        "商机评估分级表",
        "转化复盘分析表",
        "汇总",
        "客户分级",
        "活动目标",
    ]
    bad = run(["report", "review", "--period", quarter, "--locale", "fr"], env, ok=False)
    assert (bad.returncode, bad.stderr.strip()) == (
        2,
        "error: locale: 'fr' is not available; choose one of en, zh_CN",
    )
    unset = run(
        ["report", "review", "--period", quarter], {**env, "LEADFLOW_LOCALE": "xx"}, ok=False
    )
    assert unset.returncode == 2 and unset.stderr.count("\n") == 1
    assert "locale: 'xx' is not available" in unset.stderr and "Traceback" not in unset.stderr
