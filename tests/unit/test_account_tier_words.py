"""Rule book §5 (Key accounts): seed 004's tiers are 初步意向 - 高意向 - 重点客户. A manager
may type the seed's words or the product's; anything else is refused naming `tier`."""

from __future__ import annotations

import pytest

from leadflow.accounts.service import AccountIn
from leadflow.errors import InvalidInput
from leadflow.schemas import validated


@pytest.mark.parametrize(
    ("typed", "tier"),
    [
        ("初步意向", "initial"),
        ("高意向", "high"),
        ("重点客户", "key"),
        ("key", "key"),
        (" high ", "high"),
    ],
)
def test_the_seeds_tier_words_are_read(typed, tier):
    assert validated(AccountIn, {"company": "Acme", "tier": typed}).tier == tier


def test_another_word_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as refused:
        validated(AccountIn, {"company": "Acme", "tier": "vip"})
    assert "tier" in refused.value.errors
