"""Who sees which leads and which of their fields: the one rule behind the API's answers,
the CLI's output and every export (spec §1: budgets, decision chain and internal notes
are shown only to the lead's owner, their manager and directors)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.rules.vocab import SENSITIVE, Role

FULL_VIEW = frozenset({Role.manager, Role.director})
# An opportunity assessment's budget and decision-chain rating tell what the lead's
# budget and decision-chain notes tell, so they are masked with them.
ASSESSMENT_SENSITIVE = ("budget", "decision_chain")


# The win model's features read from sensitive fields (its factors quote them: "confirmed
# budget 1,200,000", "budget band 300k-1M"), and the words their factors begin with, for
# factors stored before each carried its feature.
FACTOR_SENSITIVE = {"budget_confirmed": "confirmed budget", "budget_band": "budget band"}
HIDDEN_FACTOR = "(hidden)"


def is_sensitive(name: str) -> bool:
    """Whether a field (of a lead or its assessment) is masked from outsiders."""
    return name in SENSITIVE or name in ASSESSMENT_SENSITIVE


@dataclass(frozen=True)
class Viewer:
    """Who reads: a role and, for a rep, which rep."""

    role: Role
    rep_id: int | None = None

    @classmethod
    def of(cls, role: str, rep_id: int | None = None) -> Viewer:
        """A viewer from user input; InvalidInput names the field that is wrong."""
        roles = [r.value for r in Role]
        if role not in roles:
            raise InvalidInput(
                N_(
                    "role: {role!r} is not one of {roles}",
                    role=role,
                    roles=", ".join(roles),
                ),
                {"role": "unknown role"},
            )
        if role == Role.rep.value and rep_id is None:
            raise InvalidInput(
                N_(
                    "rep: a rep's view needs the rep's id (--rep ID)",
                ),
                {"rep": "required with role rep"},
            )
        if role != Role.rep.value and rep_id is not None:
            raise InvalidInput(
                N_(
                    "rep: only a rep's view names a rep, not a {role}'s",
                    role=role,
                ),
                {"rep": "only with role rep"},
            )
        return cls(Role(role), rep_id)

    @property
    def own_leads_only(self) -> int | None:
        """The owner whose leads alone this viewer may see (a rep: their own), else None."""
        return self.rep_id if self.role is Role.rep else None

    def sees_sensitive(self, owner_id: int | None) -> bool:
        """Owner, managers and directors see budgets and notes; nobody else does."""
        if self.role in FULL_VIEW:
            return True
        return self.role is Role.rep and owner_id is not None and owner_id == self.rep_id


def mask(
    record: Mapping[str, Any], placeholder: Any = None, names: Iterable[str] | None = None
) -> dict[str, Any]:
    """The record with every sensitive value replaced by `placeholder`, empty ones too
    (that a budget is unknown is itself the owner's to know); `names` limits it to those
    fields. What the lead asks to confirm keeps its notes but those of sensitive fields."""
    chosen = set(names) if names is not None else None
    masked = {
        k: placeholder if (chosen is None or k in chosen) and is_sensitive(k) else v
        for k, v in record.items()
    }
    if chosen is None and isinstance(record.get("to_confirm"), Mapping):
        masked["to_confirm"] = mask_notes(record["to_confirm"], placeholder)
    win = record.get("win")
    if chosen is None and isinstance(win, Mapping) and win.get("factors"):
        masked["win"] = {**win, "factors": mask_factors(win["factors"])}
    return masked


def _factor_sensitive(factor: Mapping[str, Any]) -> bool:
    feature = factor.get("feature")
    if feature is not None:
        return feature in FACTOR_SENSITIVE
    label = str(factor.get("factor", ""))
    return any(label.startswith(words) for words in FACTOR_SENSITIVE.values())


def mask_factors(factors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The win model's factors with those read from a sensitive field named but not valued
    ("confirmed budget (hidden) +12 pts"): how much it moved the odds stays, the amount
    does not."""
    return [
        {**f, "factor": f"{FACTOR_SENSITIVE[f.get('feature') or _feature_of(f)]} {HIDDEN_FACTOR}"}
        if _factor_sensitive(f)
        else dict(f)
        for f in factors
    ]


def _feature_of(factor: Mapping[str, Any]) -> str:
    label = str(factor.get("factor", ""))
    return next(k for k, words in FACTOR_SENSITIVE.items() if label.startswith(words))


# A note to confirm the budget as written ("budget": "read from the need: 预算50-80万")
# quotes the budget: it is as sensitive as the budget's ends.
_SENSITIVE_NOTES = {"budget"}


def mask_notes(notes: Mapping[str, Any], placeholder: Any = None) -> dict[str, Any]:
    """What a lead asks to confirm, with the notes of sensitive fields replaced by
    `placeholder` (the budget read from its need quotes the budget)."""
    return {
        k: placeholder if is_sensitive(k) or k in _SENSITIVE_NOTES else v for k, v in notes.items()
    }
