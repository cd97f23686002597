"""BANT screening (spec §3): which of the four tests hold, and whether the lead is valid."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from leadflow.rules.config import RulesConfig
from leadflow.rules.contact import contact_verifiable
from leadflow.rules.facts import LeadFacts
from leadflow.rules.vocab import BudgetMatch, ContactRole

_AUTHORITY = {ContactRole.decision_maker, ContactRole.influencer}


class BantResult(BaseModel):
    """The four tests, the verdict, and the reason when the lead is invalid."""

    model_config = ConfigDict(frozen=True)

    budget: bool
    authority: bool
    need: bool
    timeline: bool
    contact_verifiable: bool
    valid: bool
    reason: str | None = None

    @property
    def passed(self) -> int:
        """How many of the four tests hold."""
        return sum((self.budget, self.authority, self.need, self.timeline))


_NOT_WORD = re.compile(r"[\W_]+")


def _bare(text: str) -> str:
    """Casefolded, with punctuation, symbols and spaces dropped (any script)."""
    return _NOT_WORD.sub("", text.casefold())


@lru_cache(maxsize=8)
def _vague_phrases(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The configured phrases bare, longest first (so a longer phrase goes before a part)."""
    return tuple(sorted(filter(None, map(_bare, phrases)), key=len, reverse=True))


def need_is_vague(need: str | None, rules: RulesConfig) -> bool:
    """Empty, or nothing but the configured vague phrases ("just want to learn about the
    product", 了解一下产品)."""
    rest = _bare(need or "")
    for phrase in _vague_phrases(tuple(rules.screening.vague_needs)):
        if phrase in rest:
            rest = rest.replace(phrase, "")
    return not rest


def screen(facts: LeadFacts, rules: RulesConfig) -> BantResult:
    """Apply BANT: valid when enough tests hold and the contact can be verified."""
    targets = {i.casefold() for i in rules.screening.target_industries}
    tests = {
        "budget": facts.budget_min is not None
        or facts.budget_max is not None
        or facts.budget_confirmed is not None
        or facts.budget_match in (BudgetMatch.full, BudgetMatch.partial),
        "authority": facts.contact_role in _AUTHORITY,
        "need": not need_is_vague(facts.need, rules)
        and (not targets or (facts.industry or "").casefold() in targets),
        "timeline": facts.timeline is not None,
    }
    verifiable = contact_verifiable(facts.phone, facts.email)
    passed = sum(tests.values())
    reasons = []
    if not verifiable:
        reasons.append("contact cannot be verified (malformed phone and email)")
    if passed < rules.screening.min_passed:
        failed = ", ".join(name for name, ok in tests.items() if not ok)
        reasons.append(f"BANT {passed}/4 < {rules.screening.min_passed}: failed {failed}")
    return BantResult(
        **tests,
        contact_verifiable=verifiable,
        valid=not reasons,
        reason="; ".join(reasons) or None,
    )
