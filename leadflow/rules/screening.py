"""BANT screening (spec §3): which of the four tests hold, and whether the lead is valid."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from leadflow.rules.config import RulesConfig
from leadflow.rules.contact import contact_verifiable
from leadflow.rules.explain import BANT_FAILED, STEP, UNVERIFIABLE
from leadflow.rules.facts import LeadFacts
from leadflow.rules.profile import profile_fit
from leadflow.rules.vocab import BudgetMatch, ContactRole

_AUTHORITY = {ContactRole.decision_maker, ContactRole.influencer}


class BantResult(BaseModel):
    """The four tests, the target profile, the verdict, and the reason when the lead is
    invalid."""

    model_config = ConfigDict(frozen=True)

    budget: bool
    authority: bool
    need: bool
    timeline: bool
    contact_verifiable: bool
    profile: dict[str, str] = {}  # each configured part of the target profile, explained
    valid: bool
    reason: str | None = None

    @property
    def passed(self) -> int:
        """How many of the four tests hold."""
        return sum((self.budget, self.authority, self.need, self.timeline))


_WORDS = re.compile(r"[^\W_]+")  # runs of letters and digits, any script


def _words(text: str) -> str:
    """NFKC, casefolded, punctuation and symbols dropped: words between single spaces, with
    a space at each end (so a phrase is matched as whole words)."""
    return f" {' '.join(_WORDS.findall(unicodedata.normalize('NFKC', text).casefold()))} "


@lru_cache(maxsize=8)
def _fillers(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """The configured words and phrases as one pattern, longest first (a longer phrase goes
    before its parts). A phrase in a script written without spaces (Chinese) is matched
    anywhere; any other as whole words."""
    latin, other = [], []
    for phrase in sorted(filter(str.strip, map(_words, phrases)), key=len, reverse=True):
        bare = phrase.strip()
        if bare.isascii():
            latin.append(re.escape(bare))
        else:
            other.append(re.escape(bare.replace(" ", "")))
    parts = ([rf"(?<= )(?:{'|'.join(latin)})(?= )"] if latin else []) + other
    return re.compile("|".join(parts) or r"(?!)")


def need_substance(need: str | None, rules: RulesConfig) -> str:
    """What the need says beyond the words that carry no substance
    (`screening.vague_needs`: 了解, 一下, 产品, learn, about, product ...)."""
    rest = _fillers(tuple(rules.screening.vague_needs)).sub(" ", _words(need or ""))
    return "".join(rest.split())


def need_is_vague(need: str | None, rules: RulesConfig) -> bool:
    """Vague: once the filler words are taken out, fewer than
    `screening.need_min_substance` characters and no number are left. 了解下产品 and
    "just want to learn about the product" say nothing; 采购CRM系统 names a product, and
    "50 seats" a quantity."""
    rest = need_substance(need, rules)
    return len(rest) < rules.screening.need_min_substance and not any(c.isdigit() for c in rest)


def screen(facts: LeadFacts, rules: RulesConfig) -> BantResult:
    """Apply BANT: valid when enough tests hold, the contact can be verified and no known
    fact is outside the target profile."""
    vague = need_is_vague(facts.need, rules)
    tests = {
        "budget": facts.budget_min is not None
        or facts.budget_max is not None
        or facts.budget_confirmed is not None
        or facts.budget_match in (BudgetMatch.full, BudgetMatch.partial),
        "authority": facts.contact_role in _AUTHORITY,
        "need": not vague,
        "timeline": facts.timeline is not None,
    }
    verifiable = contact_verifiable(facts.phone, facts.email)
    profile = profile_fit(facts, rules.screening.target_profile)
    passed = sum(tests.values())
    reasons: list[str] = []
    if not verifiable:
        reasons.append(UNVERIFIABLE)
    outside = profile.reason()
    if outside:
        reasons.append(outside)
    if passed < rules.screening.min_passed:
        failed = ", ".join(
            "need (vague)" if name == "need" and vague else name
            for name, ok in tests.items()
            if not ok
        )
        reasons.append(
            BANT_FAILED.format(passed=passed, needed=rules.screening.min_passed, failed=failed)
        )
    return BantResult(
        **tests,
        contact_verifiable=verifiable,
        profile=profile.explain(),
        valid=not reasons,
        reason=STEP.join(reasons) or None,
    )
