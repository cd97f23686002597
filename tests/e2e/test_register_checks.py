"""The seed register as written, what a person should confirm, and a supervisor's check of
new entries, through the CLI and the API as a team would use them (issue 28, items 1, 3,
5 and 6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.cli_harness import run, run_json
from tests.sheet_files import SEED_REGISTER_HEADERS, seed_register_csv, seed_register_xlsx

RULE_BOOK = (Path(__file__).parents[2] / "docs" / "rules.md").read_text().replace("\n", " ")
# The rule book (section 1), quoted by the tests below.
KEPT = (
    "What cannot be read (待定, 面议, TBD) is never a reason to refuse a lead: it is stored "
    "without that fact, and the words as written are kept on the lead under *to confirm*."
)
CHECK = "A manager or director checks it with `leads check ID --ok`"
REQUIRED = (
    "The check answers everything the lead asked to confirm, and a lead still missing a "
    "required field cannot pass it as it is: the refusal names the fields."
)


def test_the_seed_register_imports_as_the_seed_writes_it(env, tmp_path):
    """Issue 28, done when: "The seed register (both files) imports with `--dry-run` showing
    every column mapped, then stores both example rows as valid." Rule book §1: "When a lead
    comes in with no budget or no time of its own but its need states one, as the seed
    register's need column often does (采购型号设备,预算50-80万,Q3落地), the budget and time
    are read from the need and also noted to confirm"."""
    files = [
        seed_register_xlsx(tmp_path / "线索信息表.xlsx"),
        seed_register_csv(tmp_path / "线索信息表.csv"),
    ]
    for path in files:
        text = run(["leads", "import", str(path), "--dry-run"], env).stdout
        for header in SEED_REGISTER_HEADERS[1:]:
            assert any(line.startswith(f"  {header} -> ") for line in text.splitlines()), header
        assert "unmapped" not in text and "rejections:\nfirst 2 row(s)" in text
        assert text.rstrip().endswith("2 row(s), 2 valid, 0 rejected; nothing was stored")
    imported = run_json(["leads", "import", str(files[0])], env)["import"]
    assert (imported["accepted"], imported["rejected"]) == (2, 0)
    assert run_json(["leads", "import", str(files[1])], env)["import"]["duplicates"] == 2
    for lead in run_json(["leads", "list"], env):
        shown = run_json(["leads", "show", str(lead["id"]), "--sensitive"], env)
        assert (shown["valid"], shown["entered_by"]) == (True, "李娜")
        assert shown["budget_min"] is not None and shown["timeline"] is not None
        assert set(shown["to_confirm"]) == {"budget", "timeline"}


def test_unreadable_words_are_kept_to_confirm_not_refused(env):
    """Rule book §1: KEPT; "An edit by a person is different: a budget or time the person
    types that cannot be read is refused, naming the field"."""
    assert KEPT in RULE_BOOK
    added = run_json(
        [
            "leads", "add", "--source", "客户转介绍", "--company", "甲公司", "--contact",
            "张三", "--phone", "13800001111", "--need", "采购CRM系统", "--budget", "面议",
            "--timeline", "待定",
        ],
        env,
    )  # fmt: skip
    assert added["to_confirm"] == {"budget": "面议", "timeline": "待定"}
    lead_id = str(added["id"])
    refused = run(["leads", "update", lead_id, "--timeline", "待定"], env, ok=False).stderr
    assert "timeline: cannot read '待定' as a time" in refused
    run(["leads", "update", lead_id, "--budget", "20万左右", "--timeline", "尽快"], env)
    shown = run_json(["leads", "show", lead_id, "--sensitive"], env)
    assert (shown["budget_min"], shown["budget_max"]) == (200000, 200000)
    assert shown["to_confirm"] == {} and shown["timeline"] is not None


def test_a_supervisor_checks_new_entries_from_the_cli(env):
    """Seed 001 (L75): 新录入信息需经主管审核. Rule book §1: CHECK; REQUIRED."""
    assert CHECK in RULE_BOOK and REQUIRED in RULE_BOOK
    complete = run_json(_add_args(title="采购经理", industry="制造业", size="medium"), env)
    sparse = run_json(_add_args(), env)
    queue = {r["id"]: r["missing"] for r in run_json(["leads", "list", "--unchecked"], env)}
    assert queue == {
        complete["id"]: [],
        sparse["id"]: ["contact_title", "industry", "company_size"],
    }
    assert complete["state"] == "screened"  # worked at once: the check delays nothing

    refused = run(["leads", "check", str(sparse["id"]), "--ok"], env, ok=False).stderr
    assert "required field(s) still empty: contact_title, industry, company_size" in refused
    checked = run_json(["leads", "check", str(complete["id"]), "--ok", "--by", "mia"], env)
    assert (checked["check"], checked["checked_by"]) == ("ok", "mia")
    fixes = [
        "--fix",
        "contact_title=IT经理",
        "--fix",
        "industry=物流",
        "--fix",
        "company_size=large",
    ]
    fixed = run_json(["leads", "check", str(sparse["id"]), *fixes, "--by", "mia"], env)
    assert fixed["check"] == "fixed"
    assert run_json(["leads", "list", "--unchecked"], env) == []
    history = run_json(["leads", "show", str(sparse["id"])], env)["history"]
    assert {"industry", "check_state"} <= {h["field"] for h in history}


def _add_args(**extra: str) -> list[str]:
    record = f.lead_record()
    args = [
        "leads", "add", "--source", "website_form", "--company", record["company_name"],
        "--contact", record["contact_name"], "--phone", record["phone"], "--need", record["need"],
        "--region", record["region"], "--role", "decision_maker", "--budget", "50-80万",
    ]  # fmt: skip
    for name, value in extra.items():
        args += [f"--{name}", value]
    return args


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    with running_api(db_url) as running:
        yield running


def test_checks_and_reverification_over_http(api):
    """Rule book §1: "a lead entered by a person, with `leads add`, `leads import` or a
    rep's, manager's or director's API key, waits in the check queue ... leads that other
    systems send with a system key do not"; REQUIRED; and the owner confirms the facts
    (`POST /leads/ID/verify`)."""
    team = roster(api)
    system, manager, director = team.system, team.manager, team.director
    sent = ok(system.post("/leads", json=f.lead_record()), 201)["id"]
    entered = ok(
        manager.post(
            "/leads", json=f.lead_record(budget_max=None, budget="20万左右", timeline="Q3")
        ),
        201,
    )["id"]
    api.process()
    assert [r["id"] for r in ok(manager.get("/checks"))] == [entered]
    lead = ok(manager.get(f"/leads/{entered}"))
    assert (lead["check_state"], lead["to_confirm"]) == ("pending", {})
    assert lead["missing"] == ["contact_title"] and lead["timeline"].endswith("-09-30")
    assert ok(manager.get(f"/leads/{sent}"))["check_state"] is None

    refused = manager.post(f"/leads/{entered}/check", json={"ok": True})
    assert refused.status_code == 409 and "contact_title" in refused.text
    assert team.reps[0].get("/checks").status_code == 403  # a supervisor's queue
    done = ok(director.post(f"/leads/{entered}/check", json={"fix": {"contact_title": "CTO"}}))
    assert (done["check_state"], done["checked_by"]) == ("fixed", "director:test director")
    assert ok(manager.get("/checks")) == []
    before = done["facts_confirmed_at"]
    verified = ok(manager.post(f"/leads/{entered}/verify"))
    assert verified["facts_confirmed_at"] > before


def test_a_note_that_quotes_the_budget_is_masked_with_the_budget(env, tmp_path):
    """Spec §1: budgets are "visible only to the lead's owner, their manager and directors";
    a budget read from the need is noted to confirm with its words, so the note is masked
    wherever the budget is (leads show, and an export for a role that may not see it)."""
    added = run_json(
        [
            "leads", "add", "--source", "展会", "--company", "乙公司", "--contact", "李四",
            "--phone", "13800002222", "--need", "采购型号设备,预算50-80万", "--timeline", "待定",
        ],
        env,
    )  # fmt: skip
    assert added["to_confirm"] == {"budget": "read from the need: 预算50-80万", "timeline": "待定"}
    lead_id = str(added["id"])
    shown = run_json(["leads", "show", lead_id], env)
    assert shown["to_confirm"] == {"budget": None, "timeline": "待定"}
    assert (
        run_json(["leads", "show", lead_id, "--sensitive"], env)["to_confirm"]
        == (added["to_confirm"])
    )
    out = tmp_path / "system.csv"
    run(["leads", "export", "--format", "csv", "--role", "system", "--out", str(out)], env)
    exported = out.read_text(encoding="utf-8-sig")
    assert "budget: (restricted)" in exported and "timeline: 待定" in exported
    assert "read from the need" not in exported
