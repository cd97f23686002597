"""Issue 29 item 3 end to end: the contract drafted in negotiation, reviewed by legal,
approved by the role the deal's grade needs, then signed by the win, through the CLI and
the API over real HTTP (docs/rules.md §8; seed 001: 拟定合同并提交审批; seed 002: 起草合同
(需法务审核),明确交付标准、付款周期、违约责任)."""

from __future__ import annotations

from tests import factories as f
from tests.e2e.api_harness import ok, roster, running_api
from tests.e2e.cli_harness import run, run_json
from tests.e2e.test_handoff_delivery import ASSESS, PLAN, _package, negotiating_by_cli

TERMS = [
    "--value",
    "1400000",
    "--payment-terms",
    "30% upfront, 70% on acceptance",
    "--delivery-date",
    "2027-03-01",
    "--acceptance",
    "accepted when the test script passes",
    "--liability",
    "0.05% a day late, capped at 10%",
    "--confidentiality",
    "3 years both ways",
    "--promise",
    "ERP rollout",
]
BODY = {
    "value": 1_400_000,
    "payment_terms": "net 30",
    "acceptance": "accepted when the test script passes",
    "liability": "capped at 10%",
    "confidentiality": "3 years",
}


def test_cli_drafts_approves_and_wins_with_the_contract(env):
    """Rule book §8: "The approval is refused, naming what is missing, when the deal is not
    in negotiation, when there is no draft, or, with `config/rules.yaml:
    contract.legal_review_required` true (the default), when the draft names no legal
    reviewer"; "A win needs the approved contract"."""
    lid = negotiating_by_cli(env)
    no_draft = run(["leads", "approve-contract", lid, "--role", "director"], env, ok=False)
    assert f"there is no contract draft: `leadflow leads contract {lid}" in no_draft.stderr
    not_approved = run(["leads", "win", lid], env, ok=False)
    assert "a win needs the contract: draft it with `leadflow leads contract ID" in (
        not_approved.stderr
    )
    draft = run_json(["leads", "contract", lid, *TERMS, "--by", "ann"], env)
    assert (draft["status"], draft["liability"]) == ("draft", "0.05% a day late, capped at 10%")
    no_legal = run(["leads", "approve-contract", lid, "--role", "director"], env, ok=False)
    assert "legal has not reviewed the draft" in no_legal.stderr
    assert f"leads contract {lid} --legal-reviewed-by NAME" in no_legal.stderr
    run(["leads", "contract", lid, "--legal-reviewed-by", "Lee", "--by", "ann"], env)
    manager = run(["leads", "approve-contract", lid, "--role", "manager"], env, ok=False)
    assert "a grade A contract is approved by a director" in manager.stderr
    unapproved = run(["leads", "win", lid], env, ok=False)
    assert f"the contract has not been approved: `leadflow leads approve-contract {lid}`" in (
        unapproved.stderr
    )
    run(["leads", "approve-contract", lid, "--role", "director", "--by", "dana"], env)
    shown = run(["leads", "show", lid], env).stdout
    assert "contract: approved, value 1400000.00, legal: Lee, approved by director dana" in shown
    differs = run(["leads", "win", lid, "--value", "1300000"], env, ok=False)
    assert "differs from the approved draft in value" in differs.stderr
    assert run_json(["leads", "win", lid, "--by", "ann"], env)["state"] == "won"
    contract = run_json(["leads", "show", lid], env)["contract"]
    assert (contract["status"], contract["approved_by"]) == ("signed", "dana")
    package = _package(env["LEADFLOW_DATABASE_URL"], int(lid))
    assert "accepted when the test script passes" in package and "3 years both ways" in package


def test_a_changed_draft_is_approved_again_by_cli(env):
    """Rule book §8: "Changing a draft after approval clears the approval, and the history
    says so"."""
    lid = negotiating_by_cli(env)
    run(["leads", "contract", lid, *TERMS, "--legal-reviewed-by", "Lee"], env)
    run(["leads", "approve-contract", lid, "--role", "director", "--by", "dana"], env)
    run(["leads", "contract", lid, "--liability", "capped at 5%", "--by", "ann"], env)
    shown = run_json(["leads", "show", lid], env)
    assert shown["contract"]["status"] == "draft" and shown["contract"]["approved_by"] is None
    assert ("contract_approved_by", "cleared: the draft changed after dana approved it") in {
        (h["field"], h["new"]) for h in shown["history"]
    }
    refused = run(["leads", "win", lid], env, ok=False)
    assert "the contract has not been approved" in refused.stderr


def test_api_drafts_approves_and_wins_with_the_contract(sqlite_url):
    """Rule book §8: the draft is recorded with "`PUT /leads/{id}/contract` with a rep,
    manager or director key" and approved with "`POST /leads/{id}/contract-approval` with a
    manager or director key"."""
    with running_api(sqlite_url) as api:
        team = roster(api)
        lead_id = ok(team.system.post("/leads", json=f.lead_record()), 201)["id"]
        api.process()
        path = f"/leads/{lead_id}"
        owner = ok(team.manager.get(path))["owner"]["id"]
        rep = team.reps[team.rep_ids.index(owner)]
        ok(
            rep.post(
                f"{path}/criteria", json={"intent_stated": True, "budget_confirmed": 1_500_000}
            )
        )
        ok(rep.post(f"{path}/transitions", json={"trigger": "qualify"}))
        ok(rep.put(f"{path}/contract", json=BODY), 409)  # not in negotiation yet
        ok(rep.post(f"{path}/assessment", json=ASSESS), 201)
        ok(rep.post(f"{path}/plan", json=PLAN), 201)
        ok(team.director.post(f"{path}/approval"))
        ok(rep.post(f"{path}/transitions", json={"trigger": "start_negotiation"}))

        no_draft = ok(team.director.post(f"{path}/contract-approval"), 409)
        assert "there is no contract draft" in no_draft["reason"]
        assert ok(rep.put(f"{path}/contract", json={"liability": "x"}), 422)["errors"] == {
            "value": "required, above 0"
        }
        draft = ok(rep.put(f"{path}/contract", json=BODY))
        assert (draft["status"], draft["acceptance"]) == ("draft", BODY["acceptance"])
        no_legal = ok(team.director.post(f"{path}/contract-approval"), 409)
        assert "legal has not reviewed the draft" in no_legal["reason"]
        ok(rep.put(f"{path}/contract", json={"legal_reviewed_by": "Lee"}))
        assert rep.post(f"{path}/contract-approval").status_code == 403
        manager = ok(team.manager.post(f"{path}/contract-approval"), 409)
        assert "approved by a director" in manager["reason"]
        refused = ok(rep.post(f"{path}/win", json={}), 409)
        assert "the contract has not been approved" in refused["reason"]
        approved = ok(team.director.post(f"{path}/contract-approval"))
        assert (approved["status"], approved["approved_role"]) == ("approved", "director")
        assert ok(rep.get(path))["contract"]["status"] == "approved"
        assert ok(rep.post(f"{path}/win", json={}))["state"] == "won"
        assert ok(rep.get(path))["contract"]["status"] == "signed"
