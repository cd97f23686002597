"""Issue 29, done when: "A deal walked from qualify to win through the CLI alone meets each
of these steps: assess, confirm, A notice, plan, approval, negotiation minutes, revised
price with approval, contract approval with legal review, win within the approved range,
delivery owner, handoff", and "Each step is refused when its precondition is missing, with
a message that names it". One deal, the CLI only, each refusal tried before its step."""

from __future__ import annotations

from pathlib import Path

from tests import factories as f
from tests.e2e.cli_harness import run, run_json
from tests.e2e.test_cli import _add_args

ASSESS = ["--budget", "1500000", "--urgency", "immediate", "--competition", "advantage"]
PLAN = ["--pain-points", "9-day month-end close", "--advantages", "local team"]
PLAN += ["--strategy", "workshop, then a pilot", "--milestones", "pilot in 4 weeks"]
TERMS = ["--payment-terms", "30% upfront", "--delivery-date", "2027-01-15"]
TERMS += ["--acceptance", "close runs in 2 days", "--liability", "0.05% a day late"]
TERMS += ["--confidentiality", "3 years both ways"]


def _refused(env: dict[str, str], args: list[str], *names: str) -> None:
    """The step is refused, its message naming each of `names`, and nothing leaks."""
    done = run(args, env, ok=False)
    for name in names:
        assert name in done.stderr, (args, done.stderr)


def test_a_grade_a_deal_from_qualify_to_handoff_through_the_cli(tmp_path: Path, env):
    env = {
        **env,
        "LEADFLOW_DIRECTOR_RECIPIENTS": '["dan@x.com"]',
        "LEADFLOW_OUTPUT_DIR": str(tmp_path / "out"),
    }
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", "mia@x.com"], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--no-email"], env)
    lid = str(run_json(["leads", "add", *_add_args(f.lead_record())], env)["id"])
    run(["leads", "criteria", lid, "--intent", "--budget-confirmed", "1500000"], env)
    run(["leads", "fire", lid, "qualify", "--by", "ann"], env)

    # assess, then the manager confirms: the A grade tells the director and adds them
    _refused(env, ["leads", "confirm-grade", lid, "--by", "mia"], "not assessed yet")
    run(["leads", "assess", lid, *ASSESS, "--decision-chain", "simple", "--by", "ann"], env)
    run(["leads", "confirm-grade", lid, "--by", "mia"], env)
    shown = run_json(["leads", "show", lid], env)
    assert (shown["opportunity_grade"], shown["grade_confirmed_by"]) == ("A", "mia")
    assert "dan@x.com" in shown["followers"]
    kinds = [m["kind"] for m in run_json(["outbox", "list"], env)]
    assert "grade_a" in kinds

    # the plan with its price, its approver told; approved by a director, not a manager
    _refused(
        env, ["leads", "approve", lid, "--role", "director", "--by", "dan"], "no conversion plan"
    )
    _refused(env, ["leads", "plan", lid, *PLAN], "--price")
    run(["leads", "plan", lid, *PLAN, "--price", "120-150万", "--terms", "30% upfront"], env)
    assert "plan_approval" in [m["kind"] for m in run_json(["outbox", "list"], env)]
    _refused(env, ["leads", "approve", lid, "--role", "manager", "--by", "mia"], "director")
    run(["leads", "approve", lid, "--role", "director", "--by", "dan"], env)
    run(["leads", "fire", lid, "start_negotiation", "--by", "ann"], env)

    # the negotiation's minutes, confirmed by the customer's contact
    _refused(env, ["leads", "minutes", lid, "--agreed", "phased payment"], "confirmed_by")
    minutes = ["--agreed", "phased payment", "--open", "SLA", "--confirmed-by", "王经理"]
    run(["leads", "minutes", lid, *minutes, "--by", "ann"], env)

    # a revised price is a revision: the contract cannot be signed until it is approved
    run(["leads", "plan", lid, *PLAN, "--price", "130-160万", "--terms", "30% upfront"], env)
    run(["leads", "contract", lid, "--value", "1450000", *TERMS, "--by", "ann"], env)
    _refused(env, ["leads", "approve-contract", lid, "--role", "director", "--by", "dan"], "legal")
    run(["leads", "contract", lid, "--legal-reviewed-by", "Lee", "--by", "ann"], env)
    _refused(env, ["leads", "win", lid, "--by", "ann"], "awaits approval by a director")
    run(["leads", "approve", lid, "--role", "director", "--by", "dan"], env)
    _refused(env, ["leads", "win", lid, "--by", "ann"], "has not been approved", "approve-contract")
    run(["leads", "approve-contract", lid, "--role", "director", "--by", "dan"], env)

    # the win, within the approved range 1,300,000-1,600,000
    won = run_json(["leads", "win", lid, "--by", "ann"], env)
    assert won["state"] == "won"
    shown = run_json(["leads", "show", lid], env)
    assert float(shown["contract_value"]) == 1_450_000
    assert shown["contract"]["status"] == "signed"

    # the delivery owner, then the handoff package that names them
    details = ["--delivery-owner", "Dee Delivery", "--start", "2027-01-04"]
    details += ["--customer-contact", "Li Lei, 138 0000 0000", "--by", "mia"]
    run(["leads", "handoff", lid, *details], env)
    run(["run", "delivery-handoff"], env)
    package = (tmp_path / "out" / "handoffs" / f"lead-{lid}.md").read_text(encoding="utf-8")
    for expected in ("Dee Delivery", "Li Lei", "phased payment", "王经理", "close runs in 2 days"):
        assert expected in package, expected
