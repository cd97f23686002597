"""Issue 29, item 3: the contract drafted in negotiation, reviewed by legal and approved
before the win (docs/rules.md §8, seeds 001 and 002), through the real services on a real
store; the clock is passed in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import inspect, select

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.handoff.package import build_package
from leadflow.lifecycle.contract import ContractIn, draft_contract, win
from leadflow.lifecycle.contract_approval import approve_contract
from leadflow.lifecycle.view import full_story
from leadflow.settings import Settings
from leadflow.store.db import engine_for
from leadflow.store.migrate import alembic_config, upgrade
from leadflow.store.models import FieldChange, Lead
from tests.integration.test_operations import NOW, _in_negotiation, _lead

DRAFTED = NOW + dt.timedelta(days=1)
APPROVED = DRAFTED + dt.timedelta(hours=3)
SIGNED = APPROVED + dt.timedelta(days=1)
TERMS = ContractIn(
    value=Decimal(900_000),
    payment_terms="30% upfront, 70% on acceptance",
    delivery_date=dt.date(2027, 3, 1),
    acceptance="accepted when the test script passes",
    liability="0.05% a day late, capped at 10%",
    confidentiality="3 years both ways",
    promises=["ERP rollout", "training"],
)

REVIEWED = ContractIn(**{**TERMS.model_dump(), "legal_reviewed_by": "Lee"})


def _draft(uow, lead_id: int, terms: ContractIn, when: dt.datetime = DRAFTED) -> Lead:
    return draft_contract(uow.session, lead_id, terms, by="ann", now=when)


def _approve(uow, rules, lead_id: int, role: str = "director") -> Lead:
    return approve_contract(uow.session, lead_id, role=role, by="dan", now=APPROVED, rules=rules)


def _history(uow, lead_id: int) -> list[tuple[str, str | None, str | None]]:
    rows = uow.session.scalars(
        select(FieldChange).where(FieldChange.lead_id == lead_id).order_by(FieldChange.id)
    )
    return [(r.field, r.old_value, r.new_value) for r in rows]


def test_a_draft_states_every_term_and_is_shown_with_its_state(uow, rules):
    """docs/rules.md §8: "The contract states its value (required), payment terms (付款周期),
    delivery date and acceptance standard (交付/验收标准: how delivery is accepted),
    liability (违约责任) and confidentiality (保密) terms, what was promised, and who
    reviewed it for legal and when"."""
    lead_id = _in_negotiation(uow, rules)
    with pytest.raises(InvalidInput, match="value: the contract value is required"):
        _draft(uow, lead_id, ContractIn(payment_terms="net 30"))
    lead = _draft(uow, lead_id, REVIEWED)
    assert (lead.acceptance_standard, lead.liability_terms, lead.confidentiality_terms) == (
        TERMS.acceptance,
        TERMS.liability,
        TERMS.confidentiality,
    )
    assert (lead.legal_reviewed_by, lead.legal_reviewed_at) == ("Lee", DRAFTED)
    contract = full_story(uow.session, lead_id, rules)["contract"]
    assert contract["status"] == "draft" and contract["promises"] == ["ERP rollout", "training"]
    assert contract["acceptance"] == TERMS.acceptance and contract["drafted_by"] == "ann"


def test_approval_is_refused_naming_each_missing_precondition(uow, rules):
    """docs/rules.md §8: "The approval is refused, naming what is missing, when the deal is
    not in negotiation, when there is no draft, or, with `config/rules.yaml:
    contract.legal_review_required` true (the default), when the draft names no legal
    reviewer"."""
    nurturing = _lead(uow, rules)
    with pytest.raises(GuardRefused, match=r"approved in negotiation \(the lead is nurturing\)"):
        _approve(uow, rules, nurturing)
    with pytest.raises(GuardRefused, match="drafted while the deal is in negotiation"):
        _draft(uow, nurturing, TERMS)
    lead_id = _in_negotiation(uow, rules, email="b@beta.example")
    with pytest.raises(GuardRefused, match="there is no contract draft: `leadflow leads contract"):
        _approve(uow, rules, lead_id)
    _draft(uow, lead_id, TERMS)
    with pytest.raises(GuardRefused, match="legal has not reviewed the draft.*--legal-reviewed-by"):
        _approve(uow, rules, lead_id)
    _draft(uow, lead_id, ContractIn(legal_reviewed_by="Lee"))
    # The deal is grade A: its plan, and so its contract, is approved by a director.
    with pytest.raises(GuardRefused, match="a grade A contract is approved by a director"):
        _approve(uow, rules, lead_id, role="manager")
    with pytest.raises(InvalidInput, match="role"):
        _approve(uow, rules, lead_id, role="rep")
    lead = _approve(uow, rules, lead_id)
    assert (lead.contract_approved_by, lead.contract_approved_role) == ("dan", "director")
    assert lead.contract_approved_at == APPROVED
    assert ("contract_approved_by", None, "dan") in _history(uow, lead_id)
    no_legal = rules.model_copy(
        update={"contract": rules.contract.model_copy(update={"legal_review_required": False})}
    )
    other = _in_negotiation(uow, rules, email="c@gamma.example")
    _draft(uow, other, TERMS)
    assert _approve(uow, no_legal, other).contract_approved_by == "dan"


def test_changing_an_approved_draft_clears_the_approval_and_says_so(uow, rules):
    """docs/rules.md §8: "Changing a draft after approval clears the approval, and the
    history says so"; a changed term clears legal's review unless it is named again."""
    lead_id = _in_negotiation(uow, rules)
    _draft(uow, lead_id, REVIEWED)
    _approve(uow, rules, lead_id)
    same = _draft(uow, lead_id, ContractIn(value=Decimal("900000.00")))
    assert same.contract_approved_at == APPROVED  # nothing changed: the approval stands
    lead = _draft(
        uow, lead_id, ContractIn(liability="capped at 5%"), DRAFTED + dt.timedelta(days=1)
    )
    assert (lead.contract_approved_at, lead.legal_reviewed_by, lead.liability_terms) == (
        None,
        None,
        "capped at 5%",
    )
    history = _history(uow, lead_id)
    assert ("contract_approved_by", "dan", None) in history
    assert (
        "contract_approved_by",
        None,
        "cleared: the draft changed after dan approved it",
    ) in history
    assert ("legal_reviewed_by", None, "cleared: legal reviewed the draft before this change") in (
        history
    )
    relooked = _draft(uow, lead_id, ContractIn(liability="capped at 6%", legal_reviewed_by="Lee"))
    assert relooked.legal_reviewed_by == "Lee"


def test_win_signs_the_approved_draft_and_the_handoff_shows_the_terms(uow, rules, tmp_path):
    """docs/rules.md §8: "A win needs the approved contract: the draft must have been
    approved (`leads approve-contract`) before `leads win` signs it"."""
    lead_id = _in_negotiation(uow, rules)
    with pytest.raises(GuardRefused, match="a win needs the contract: draft it with"):
        win(uow.session, lead_id, by="ann", now=SIGNED, rules=rules)
    uow.session.rollback()
    _draft(uow, lead_id, REVIEWED)
    with pytest.raises(
        GuardRefused,
        match=f"the contract has not been approved: `leadflow leads approve-contract {lead_id}`",
    ):
        win(uow.session, lead_id, by="ann", now=SIGNED, rules=rules)
    _approve(uow, rules, lead_id)
    with pytest.raises(GuardRefused, match="differs from the approved draft in value, liability"):
        changed = ContractIn(
            value=Decimal(800_000), liability="none", payment_terms=TERMS.payment_terms
        )
        win(uow.session, lead_id, changed, by="ann", now=SIGNED, rules=rules)
    assert uow.session.get(Lead, lead_id).contract_value == Decimal(900_000)
    same = ContractIn(value=Decimal(900_000), payment_terms=TERMS.payment_terms)
    lead = win(uow.session, lead_id, same, by="ann", now=SIGNED, rules=rules)
    assert (lead.state, lead.won_at) == ("won", SIGNED)
    assert full_story(uow.session, lead_id, rules)["contract"]["status"] == "signed"
    contract = build_package(uow.session, lead, Settings(output_dir=tmp_path))["contract"]
    assert contract["acceptance"] == TERMS.acceptance
    assert (contract["liability"], contract["confidentiality"]) == (
        TERMS.liability,
        TERMS.confidentiality,
    )
    assert (contract["legal_reviewed_by"], contract["approved_by"]) == ("Lee", "dan")


def test_without_the_approval_step_the_contract_is_recorded_with_the_win(uow, rules):
    """docs/rules.md §8: "With `config/rules.yaml: contract.approval_required` false a team
    keeps the one-step win: the contract given with `leads win ID --value ...` is recorded
    with the win"."""
    one_step = rules.model_copy(
        update={"contract": rules.contract.model_copy(update={"approval_required": False})}
    )
    lead_id = _in_negotiation(uow, rules)
    lead = win(uow.session, lead_id, TERMS, by="ann", now=SIGNED, rules=one_step)
    assert (lead.state, lead.contract_value, lead.acceptance_standard) == (
        "won",
        Decimal(900_000),
        TERMS.acceptance,
    )
    assert lead.contract_approved_at is None


def test_the_migration_goes_down_and_up(tmp_path):
    """Migration 0026_contract_approval adds the draft's columns and takes them away."""
    url = f"sqlite:///{tmp_path / 'contract.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0025_plan_revisions")
    columns = {c["name"] for c in inspect(engine_for(url)).get_columns("leads")}
    assert "contract_approved_at" not in columns and "acceptance_standard" not in columns
    upgrade(url)
    columns = {c["name"] for c in inspect(engine_for(url)).get_columns("leads")}
    assert {"acceptance_standard", "liability_terms", "contract_approved_by"} <= columns
