"""Issue 29, item 2 end to end: a plan's price and terms, revisions in negotiation and the
contract value held to the approved range (docs/rules.md §7 "Price and terms", seed 003:
若涉及价格或条款变动,需内部审批后同步客户), through the CLI and the API over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.cli_harness import run, run_json
from tests.e2e.test_cli import _add_args

TEXTS = ["--pain-points", "slow", "--advantages", "local", "--strategy", "pilot"]
ASSESSMENT = {
    "urgency": "immediate",
    "budget": 2_000_000,
    "competition": "parity",
    "decision_chain": "simple",
}
PLAN = {
    "pain_points": "slow close",
    "advantages": "local team",
    "strategy": "pilot",
    "milestones": "Q1",
    "price_min": 500_000,
    "price_max": 800_000,
    "terms": "30% upfront",
}


def _cli_plan(env: dict[str, str], lid: str, *extra: str, ok_: bool = True):
    return run(["leads", "plan", lid, *TEXTS, "--milestones", "Q1", *extra], env, ok=ok_)


def test_cli_plan_revision_and_deviation(env):
    """Rule book §7: "`leadflow leads plan ID ... --price 500000-800000 --terms ...`
    (`--price 50-80万` reads as 500,000 to 800,000)"; "While a revision awaits approval, `win`
    is refused, naming it"; "`leadflow leads approve-deviation ID --value V --reason TEXT
    --role manager`" and "`win` then accepts exactly that value"."""
    env = {**env, "LEADFLOW_DIRECTOR_RECIPIENTS": '["dan@x.com"]'}
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", "mia@x.com"], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--no-email"], env)
    lid = str(run_json(["leads", "add", *_add_args(f.lead_record())], env)["id"])
    run(["leads", "criteria", lid, "--intent", "--budget-confirmed", "2000000"], env)
    run(["leads", "fire", lid, "qualify", "--by", "ann"], env)
    assess = ["--urgency", "immediate", "--budget", "2000000", "--competition", "parity"]
    run(["leads", "assess", lid, *assess, "--decision-chain", "simple"], env)
    missing = _cli_plan(env, lid, ok_=False)
    assert "--price" in missing.stderr
    bad = _cli_plan(env, lid, "--price", "cheap", ok_=False)
    assert "price: 'cheap' is not a price range" in bad.stderr
    upside = _cli_plan(env, lid, "--price", "800000-500000", ok_=False)
    assert "price" in upside.stderr and "Traceback" not in upside.stderr
    _cli_plan(env, lid, "--price", "50-80万", "--terms", "30% upfront")
    outbox = run_json(["outbox", "list"], env)
    assert [m["kind"] for m in outbox].count("plan_approval") == 1  # to the one director
    run(["leads", "approve", lid, "--role", "director", "--by", "dana"], env)
    run(["leads", "fire", lid, "start_negotiation", "--by", "ann"], env)

    revised = _cli_plan(env, lid, "--price", "45-70万", "--terms", "30% upfront", "--json")
    assert '"approval": "awaiting approval"' in revised.stdout
    _cli_contract(env, lid, "600000")
    waits = run(["leads", "win", lid, "--value", "600000"], env, ok=False)
    assert "(price 450,000-700,000) awaits approval by a director" in waits.stderr
    run(["leads", "approve", lid, "--role", "director", "--by", "dana"], env)
    _cli_contract(env, lid, "900000")
    outside = run(["leads", "win", lid, "--value", "900000"], env, ok=False)
    assert "contract value 900,000 is outside the approved plan's price range" in outside.stderr
    assert "450,000-700,000" in outside.stderr
    short = ["leads", "approve-deviation", lid, "--value", "900000", "--reason", "3-year term"]
    low = run([*short, "--role", "manager", "--by", "mia"], env, ok=False)
    assert "approved by a director" in low.stderr
    run([*short, "--role", "director", "--by", "dana"], env)
    shown = run(["leads", "show", lid], env).stdout
    assert "price deviation approved: 900000" in shown and "approval: approved" in shown
    assert run_json(["leads", "win", lid, "--value", "900000"], env)["state"] == "won"


def _cli_contract(env: dict[str, str], lid: str, value: str) -> None:
    """The contract drafted at `value`, reviewed by legal and approved (rule book §8)."""
    run(["leads", "contract", lid, "--value", value, "--legal-reviewed-by", "Lee"], env)
    run(["leads", "approve-contract", lid, "--role", "director", "--by", "dana"], env)


def _api_contract(api_rep: Any, director: Any, path: str, value: int) -> None:
    ok(api_rep.put(f"{path}/contract", json={"value": value, "legal_reviewed_by": "Lee"}))
    ok(director.post(f"{path}/contract-approval"))


@pytest.fixture
def api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url, director_recipients=["dan@x.com"]) as running:
        yield running


def test_api_revision_and_price_deviation(api):
    """Rule book §7: "`POST /leads/ID/plan` with `price_min`, `price_max` and `terms`";
    "`POST /leads/ID/price-deviation` with a manager or director key"; "`leads show` and
    `GET /leads/ID` show the current plan's price range, terms, approval and the approved
    deviations"."""
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json={**f.lead_record(), "region": "east"}), 201)["id"]
    api.process()
    path = f"/leads/{lead_id}"
    owner = ok(team.manager.get(path))["owner"]["id"]
    ann = team.reps[team.rep_ids.index(owner)]
    ok(ann.post(f"{path}/criteria", json={"intent_stated": True, "budget_confirmed": 2_000_000}))
    ok(ann.post(f"{path}/transitions", json={"trigger": "qualify"}))
    ok(ann.post(f"{path}/assessment", json=ASSESSMENT), 201)
    priceless = {k: v for k, v in PLAN.items() if not k.startswith("price")}
    missing = ann.post(f"{path}/plan", json=priceless)
    assert missing.status_code == 422 and "price_min" in missing.text
    upside = ann.post(f"{path}/plan", json={**PLAN, "price_min": 900_000})
    assert upside.status_code == 422 and "price_max" in upside.text
    ok(ann.post(f"{path}/plan", json=PLAN), 201)
    ok(team.director.post(f"{path}/approval"))
    ok(ann.post(f"{path}/transitions", json={"trigger": "start_negotiation"}))
    ok(ann.post(f"{path}/plan", json={**PLAN, "terms": "net 90"}), 201)
    plan = ok(ann.get(path))["plan"]
    assert (plan["terms"], plan["approval"]) == ("net 90", "awaiting approval")
    _api_contract(ann, team.director, path, 600_000)
    waits = ok(ann.post(f"{path}/win", json={"contract": {"value": 600_000}}), 409)
    assert "awaits approval by a director" in waits["reason"]
    ok(team.director.post(f"{path}/approval"))
    _api_contract(ann, team.director, path, 850_000)
    outside = ok(ann.post(f"{path}/win", json={"contract": {"value": 850_000}}), 409)
    assert "850,000 is outside the approved plan's price range 500,000-800,000" in outside["reason"]
    deviation = {"value": 850_000, "reason": "competitor matched"}
    assert ann.post(f"{path}/price-deviation", json=deviation).status_code == 403
    assert team.manager.post(f"{path}/price-deviation", json=deviation).status_code == 403
    assert "reason" in team.director.post(f"{path}/price-deviation", json={"value": 1}).text
    ok(team.director.post(f"{path}/price-deviation", json=deviation), 201)
    plan = ok(team.manager.get(path))["plan"]
    assert [float(d["value"]) for d in plan["deviations"]] == [850_000]
    won = ok(ann.post(f"{path}/win", json={"contract": {"value": 850_000}}))
    assert won["state"] == "won"
