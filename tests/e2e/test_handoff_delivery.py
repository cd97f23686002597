"""Issue 29 item 6 end to end: a won deal's delivery owner, dates and customer contact set
through the CLI and over HTTP, the package that shows them, and the escalation of a deal
not handed over, in `reminders due`.

Seed 003 L118: 明确交付负责人、时间节点及客户对接人. Rule book §8: "A won deal is handed over
with its delivery owner, the dates delivery starts and goes live, and the customer's
contact for delivery"."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from leadflow.bootstrap import unit_of_work
from leadflow.handoff.package import produce_handoffs
from leadflow.settings import Settings, get_rules
from leadflow.store.outbound_models import Handoff
from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.cli_harness import run, run_json
from tests.e2e.test_cli import _add_args

ASSESS = {
    "urgency": "immediate",
    "budget": 1_500_000,
    "competition": "advantage",
    "decision_chain": "simple",
}
PLAN = {
    "pain_points": "slow month-end close",
    "advantages": "local team",
    "strategy": "workshop then pilot",
    "milestones": "pilot in 4 weeks",
    "price_min": 1_000_000,
    "price_max": 1_500_000,
}


def _package(url: str, lead_id: int) -> str:
    """The package as the delivery-handoff flow's task makes it, then as stored."""
    with unit_of_work("delivery-handoff", url=url) as uow:
        produce_handoffs(uow.session, [lead_id], f.wall_clock(), get_rules(), Settings())
        uow.commit()
    return stored_markdown(url, lead_id)


def stored_markdown(url: str, lead_id: int) -> str:
    """The managers' Markdown of the stored package."""
    with unit_of_work(url=url) as uow:
        return uow.session.scalar(select(Handoff.markdown).where(Handoff.lead_id == lead_id))


def negotiating_by_cli(env: dict[str, str]) -> str:
    """A grade-A lead of Ann's (team East) taken into negotiation through the CLI."""
    run(["teams", "add", "--name", "East", "--region", "east", "--manager-email", "mia@x.com"], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--no-email"], env)
    lid = str(run_json(["leads", "add", *_add_args(f.lead_record())], env)["id"])
    run(["leads", "criteria", lid, "--intent", "--budget-confirmed", "1500000"], env)
    run(["leads", "fire", lid, "qualify", "--by", "ann"], env)
    assess = [a for k, v in ASSESS.items() for a in (f"--{k.replace('_', '-')}", str(v))]
    run(["leads", "assess", lid, *assess], env)
    texts = {k: v for k, v in PLAN.items() if not k.startswith("price")}
    plan = [a for k, v in texts.items() for a in (f"--{k.replace('_', '-')}", v)]
    run(["leads", "plan", lid, *plan, "--price", "100-150万"], env)
    run(["leads", "approve", lid, "--role", "director", "--by", "dana"], env)
    run(["leads", "fire", lid, "start_negotiation", "--by", "ann"], env)
    return lid


def _later(days: int) -> dt.datetime:
    # Four calendar days always hold one business day of the default calendar.
    return f.wall_clock() + dt.timedelta(days=days)


def test_cli_sets_the_delivery_details_and_the_late_handoff_escalates(env):
    """Rule book §8: "A won deal not delivered 1 business day after the win ... is escalated
    once to the team's manager"."""
    lid = negotiating_by_cli(env)

    early = run(["leads", "handoff", lid, "--delivery-owner", "Dee"], env, ok=False)
    assert "only a won deal is handed over" in early.stderr
    run(["leads", "contract", lid, "--value", "1400000", "--legal-reviewed-by", "Lee"], env)
    run(["leads", "approve-contract", lid, "--role", "director", "--by", "dana"], env)
    run(["leads", "win", lid, "--by", "ann"], env)
    url = env["LEADFLOW_DATABASE_URL"]
    assert "Delivery owner** to assign" in _package(url, int(lid))

    at = _later(4).strftime("%Y-%m-%dT%H:%M:%S")
    due = run_json(["reminders", "due", "--at", at], env)
    late = [m for m in due if m["kind"] == "handoff"]
    assert [(m["lead_id"], m["action"], m["recipient"]) for m in late] == [
        (int(lid), "escalate", "mia@x.com")
    ]
    assert "handoff to delivery is overdue" in late[0]["subject"]

    bad = run(["leads", "handoff", lid, "--customer-contact", "Li Lei"], env, ok=False)
    assert "customer_contact: " in bad.stderr and "phone or email" in bad.stderr
    wrong = ["--start", "2027-02-01", "--go-live", "2027-01-15"]
    assert "go_live: " in run(["leads", "handoff", lid, *wrong], env, ok=False).stderr
    assert "at least one of" in run(["leads", "handoff", lid], env, ok=False).stderr

    details = [
        "--delivery-owner",
        "Dee Delivery",
        "--start",
        "2027-01-04",
        "--go-live",
        "2027-02-01",
        "--customer-contact",
        "Li Lei, 138 0000 0000",
        "--by",
        "mia",
    ]
    done = run_json(["leads", "handoff", lid, *details], env)
    assert (done["delivery_owner"], done["package"]) == ("Dee Delivery", "sent again")
    assert done["delivered_at"]
    text = stored_markdown(url, int(lid))
    for expected in ("Dee Delivery", "Jan 4, 2027", "Feb 1, 2027", "Li Lei (138 0000 0000)"):
        assert expected in text, expected
    assert "to assign" not in text
    after = run_json(["reminders", "due", "--at", at], env)
    assert [m for m in after if m["kind"] == "handoff"] == []
    history = run_json(["leads", "show", lid], env)["history"]
    assert {(h["field"], h["new"], h["by"]) for h in history} >= {
        ("delivery_owner", "Dee Delivery", "mia"),
        ("go_live", "2027-02-01", "mia"),
    }


def test_api_sets_the_delivery_details_for_the_owner_and_managers(sqlite_url):
    """Rule book §8: the details are set "by the deal's owner, a manager or a director"."""
    with running_api(sqlite_url) as api:
        _walk_and_hand_over(api)


def _walk_and_hand_over(api: Api) -> None:
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json=f.lead_record()), 201)["id"]
    api.process()
    path = f"/leads/{lead_id}"
    owner = ok(team.manager.get(path))["owner"]["id"]
    rep = team.reps[team.rep_ids.index(owner)]
    other = team.reps[1 - team.rep_ids.index(owner)]
    ok(rep.post(f"{path}/criteria", json={"intent_stated": True, "budget_confirmed": 1_500_000}))
    ok(rep.post(f"{path}/transitions", json={"trigger": "qualify"}))
    ok(rep.post(f"{path}/assessment", json=ASSESS), 201)
    ok(rep.post(f"{path}/plan", json=PLAN), 201)
    ok(team.director.post(f"{path}/approval"))
    ok(rep.post(f"{path}/transitions", json={"trigger": "start_negotiation"}))
    refused = ok(team.manager.patch(f"{path}/handoff", json={"delivery_owner": "Dee"}), 409)
    assert "only a won deal" in refused["reason"]
    ok(rep.put(f"{path}/contract", json={"value": 1_400_000, "legal_reviewed_by": "Lee"}))
    ok(team.director.post(f"{path}/contract-approval"))
    ok(rep.post(f"{path}/win", json={}))
    _package(api.url, lead_id)

    assert ok(team.manager.patch(f"{path}/handoff", json={}), 422)
    bad = ok(team.manager.patch(f"{path}/handoff", json={"customer_contact": "Li, nope"}), 422)
    assert "customer_contact" in str(bad)
    assert team.system.patch(f"{path}/handoff", json={"go_live": "2027-02-01"}).status_code == 403
    assert other.patch(f"{path}/handoff", json={"go_live": "2027-02-01"}).status_code == 404
    dated = ok(rep.patch(f"{path}/handoff", json={"delivery_start": "2027-01-04"}))
    assert (dated["delivery_owner"], dated["delivered_at"]) == (None, None)
    done = ok(
        team.manager.patch(
            f"{path}/handoff",
            json={"delivery_owner": "Dee Delivery", "customer_contact": "Li Lei, li@cust.example"},
        )
    )
    assert (done["delivery_start"], done["customer_contact"]) == (
        "2027-01-04",
        "Li Lei, li@cust.example",
    )
    assert done["delivered_at"]
    text = stored_markdown(api.url, lead_id)
    assert "Dee Delivery" in text and "Li Lei (li@cust.example)" in text
    due = ok(team.manager.get("/reminders/due", params={"at": _later(4).isoformat()}))
    assert [m for m in due if m["kind"] == "handoff"] == []
