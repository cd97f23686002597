"""Issue 33, item 3: the contract's refusals before a win (docs/rules.md §8) come from the
real services on a real store, and read in Chinese for a zh_CN team with no English
sentence; the same refusals read as they always have in English."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leadflow.errors import GuardRefused
from leadflow.i18n import said_error, use_locale
from leadflow.lifecycle.contract import ContractIn, win
from tests.e2e.test_refusal_language import english_in
from tests.integration.test_contract_approval import REVIEWED, SIGNED, _approve, _draft
from tests.integration.test_operations import _in_negotiation


def _refusal(action) -> GuardRefused:
    with pytest.raises(GuardRefused) as refused:
        action()
    return refused.value


def test_the_refusals_before_a_win_in_chinese(uow, rules):
    """docs/rules.md §8: "A win needs the approved contract: the draft must have been
    approved (`leads approve-contract`) before `leads win` signs it"."""
    lead_id = _in_negotiation(uow, rules)
    signing = lambda contract=None: win(  # noqa: E731
        uow.session, lead_id, contract, by="ann", now=SIGNED, rules=rules
    )
    refusals = [_refusal(signing)]
    uow.session.rollback()
    _draft(uow, lead_id, REVIEWED)
    refusals.append(_refusal(signing))
    _approve(uow, rules, lead_id)
    other = ContractIn(value=Decimal(800_000), payment_terms=REVIEWED.payment_terms)
    refusals.append(_refusal(lambda: signing(other)))
    with use_locale("zh_CN"):
        said = [said_error(refusal) for refusal in refusals]
    assert said == [
        f"线索 {lead_id}：'win' 被拒绝：赢单需要合同：请用 `leadflow leads contract ID "
        "--value AMOUNT ...`（PUT /leads/{id}/contract）起草并提交审批",
        f"线索 {lead_id}：'win' 被拒绝：合同尚未审批：`leadflow leads approve-contract "
        f"{lead_id}` 或 POST /leads/{{id}}/contract-approval",
        f"线索 {lead_id}：'win' 被拒绝：合同与已审批的草稿在 value 上不一致：请用 "
        f"`leadflow leads contract {lead_id}` 记录修改并重新审批",
    ]
    assert not [english_in(text) for text in said if english_in(text)]
    with use_locale("en"):
        assert [said_error(refusal) for refusal in refusals] == [str(r) for r in refusals]
    assert str(refusals[1]).startswith(f"lead {lead_id}: 'win' refused: the contract has not")
