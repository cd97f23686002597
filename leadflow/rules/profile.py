"""The target profile (spec §3; seed 002: 企业资质符合目标客户画像(如行业、规模、区域)):
whether a lead's industry, company size and region fall inside the configured profile."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from leadflow.rules.config import TargetProfile
from leadflow.rules.explain import OUTSIDE_PROFILE, PART_FIT, PART_UNCHECKED, PROFILE_PART
from leadflow.rules.facts import LeadFacts


class Fit(StrEnum):
    """How one fact compares with its part of the profile."""

    any = "any"  # the part is not configured: every value fits
    inside = "inside"
    outside = "outside"
    unknown = "unknown"  # configured, but the lead does not say: not checked, not a failure


# Plain dataclasses, not pydantic models: screening builds them for every lead, and the
# values are typed already (measured: pydantic's model_construct took 40% of screening's time).
@dataclass(frozen=True, slots=True)
class PartFit:
    """One part of the profile (industry, company size or region) for one lead."""

    part: str
    value: str | None
    targets: list[str]
    fit: Fit

    def said(self) -> str:
        """A configured part as the explanation says it: `outside: 餐饮 (targets: 制造业, 物流)`."""
        targets = ", ".join(self.targets)
        if self.fit is Fit.unknown:
            return PART_UNCHECKED.format(targets=targets)
        return PART_FIT.format(fit=self.fit.value, value=self.value, targets=targets)


@dataclass(frozen=True, slots=True)
class ProfileFit:
    """The three parts of the profile for one lead; it fits unless a known value is outside."""

    parts: tuple[PartFit, ...]

    @property
    def fits(self) -> bool:
        """No part has a known value outside its targets."""
        return not self.outside

    @property
    def outside(self) -> list[PartFit]:
        """The parts whose known value is outside their targets."""
        return [p for p in self.parts if p.fit is Fit.outside]

    def reason(self) -> str | None:
        """`outside target profile: industry 餐饮 (targets: 制造业, 物流)`, or None when it fits."""
        if self.fits:
            return None
        said = (
            PROFILE_PART.format(part=p.part, value=p.value, targets=", ".join(p.targets))
            for p in self.outside
        )
        return OUTSIDE_PROFILE.format(parts=", ".join(said))

    def explain(self) -> dict[str, str]:
        """Each configured part as the lead's explanation shows it (an unknown value said
        to be unchecked); empty when no part is configured."""
        return {p.part.replace(" ", "_"): p.said() for p in self.parts if p.fit is not Fit.any}


def _key(text: str) -> str:
    """Compared ignoring case, width and outer or repeated spaces (NFKC, casefolded)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@lru_cache(maxsize=32)
def _keys(targets: tuple[str, ...]) -> frozenset[str]:
    return frozenset(map(_key, targets))


def _part(part: str, value: str | None, targets: list[str]) -> PartFit:
    if not targets:
        fit = Fit.any
    elif value is None or not value.strip():
        fit = Fit.unknown
    else:
        fit = Fit.inside if _key(value) in _keys(tuple(targets)) else Fit.outside
    return PartFit(part, value, targets, fit)


def profile_fit(facts: LeadFacts, profile: TargetProfile) -> ProfileFit:
    """Compare the lead's industry, company size and region with the target profile."""
    size = facts.company_size.value if facts.company_size else None
    return ProfileFit(
        parts=(
            _part("industry", facts.industry, profile.industries),
            _part("company size", size, [s.value for s in profile.company_sizes]),
            _part("region", facts.region, profile.regions),
        )
    )
