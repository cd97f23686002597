"""What the win model may look at: facts known before a lead's outcome, as columns.

Pure: a lead's values and its pre-outcome counts in, feature values out. A closed lead is
described as it stood just before it was won or lost (its `cutoff`); an open lead as it
stands now. Nothing written at or after the outcome (contract terms, loss reason, the
close stamps, activities or objections logged later) is ever read."""

from __future__ import annotations

import bisect
import datetime as dt
import math
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leadflow.rules.vocab import ObjectionKind

# Lead columns the features read: every one is set before the outcome.
LEAD_COLUMNS = ("id", "source", "industry", "company_size", "region", "contact_role",
                "budget_max", "timeline", "grade", "opportunity_grade", "priority",
                "behaviour_score", "attribute_score", "score", "assigned_at",
                "first_contacted_at", "intent_stated", "decision_maker_engaged",
                "budget_confirmed")
# What is written at or after the outcome: never a feature (tests hold the model to it).
POST_OUTCOME = frozenset({"state", "won_at", "lost_at", "contract_value", "payment_terms",
                          "delivery_date", "promised", "loss_reason", "dormant", "version",
                          "updated_at", "last_interaction_at", "last_contact_at"})

CATEGORICAL = ("source", "industry", "company_size", "region", "contact_role", "budget_band",
               "grade", "opportunity_grade", "priority")
OBJECTION_KINDS = tuple(k.value for k in ObjectionKind)
NUMERIC = ("behaviour_score", "attribute_score", "score", "hours_to_first_contact",
           "not_contacted", "contacts", *(f"objections_{k}" for k in OBJECTION_KINDS),
           "intent_stated", "decision_maker_engaged", "budget_confirmed", "has_timeline")
NONE = "(none)"


@dataclass
class Counts:
    """A lead's contacts and objections logged before its cutoff."""

    contacts: int = 0
    objections: dict[str, int] = field(default_factory=dict)


def budget_band(budget_max: Any, bands: Sequence[float]) -> str:
    """`none`, or the band budget_max falls in (`<50000`, `50000-100000`, `>=1000000`)."""
    if budget_max is None:
        return "none"
    value = float(budget_max)
    i = bisect.bisect_right(list(bands), value)
    if i == 0:
        return f"<{bands[0]:.0f}"
    if i == len(bands):
        return f">={bands[-1]:.0f}"
    return f"{bands[i - 1]:.0f}-{bands[i]:.0f}"


def feature_values(lead: Mapping[str, Any], counts: Counts, cutoff: dt.datetime,
                   bands: Sequence[float]) -> tuple[dict[str, str], dict[str, float]]:
    """One lead's categorical and numeric features as of `cutoff`."""
    cats = {name: str(lead.get(name) or NONE) for name in CATEGORICAL if name != "budget_band"}
    cats["budget_band"] = budget_band(lead.get("budget_max"), bands)
    assigned, first = lead.get("assigned_at"), lead.get("first_contacted_at")
    contacted, hours = False, 0.0
    if assigned is not None and first is not None and first < cutoff:
        contacted, hours = True, max((first - assigned).total_seconds() / 3600, 0.0)
    confirmed = lead.get("budget_confirmed")
    nums = {
        "behaviour_score": float(lead.get("behaviour_score") or 0),
        "attribute_score": float(lead.get("attribute_score") or 0),
        "score": float(lead.get("score") or 0),
        "hours_to_first_contact": math.log1p(hours),
        "not_contacted": 0.0 if contacted else 1.0,
        "contacts": float(counts.contacts),
        **{f"objections_{k}": float(counts.objections.get(k, 0)) for k in OBJECTION_KINDS},
        "intent_stated": 1.0 if lead.get("intent_stated") else 0.0,
        "decision_maker_engaged": 1.0 if lead.get("decision_maker_engaged") else 0.0,
        "budget_confirmed": math.log1p(float(confirmed)) if confirmed else 0.0,
        "has_timeline": 1.0 if lead.get("timeline") is not None else 0.0,
    }
    return cats, nums


class FeatureTable:
    """Many leads' features as typed columns: category codes and floats, 8 bytes or less a
    value (a million rows: no per-row dicts or float objects are kept)."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.vocab: dict[str, dict[str, int]] = {name: {} for name in CATEGORICAL}
        self._codes = {name: array("i") for name in CATEGORICAL}
        self._nums = {name: array("d") for name in NUMERIC}

    def add(self, lead_id: int, cats: Mapping[str, str], nums: Mapping[str, float]) -> None:
        """Append one lead's features."""
        self.ids.append(lead_id)
        for name in CATEGORICAL:
            vocab = self.vocab[name]
            self._codes[name].append(vocab.setdefault(cats[name], len(vocab)))
        for name in NUMERIC:
            self._nums[name].append(nums[name])

    def __len__(self) -> int:
        return len(self.ids)

    def codes(self, name: str) -> np.ndarray:
        """A categorical column as integer codes into `vocab[name]`."""
        return np.frombuffer(self._codes[name], dtype=np.int32) if len(self) else \
            np.zeros(0, dtype=np.int32)

    def values(self, name: str) -> list[str]:
        """A categorical column's values, decoded."""
        names = list(self.vocab[name])
        return [names[c] for c in self._codes[name]]

    def numeric(self, name: str) -> np.ndarray:
        """A numeric column."""
        return np.frombuffer(self._nums[name], dtype=np.float64) if len(self) else \
            np.zeros(0)

    def matrix(self) -> np.ndarray:
        """Codes then numerics, one row per lead: what the training pipeline takes."""
        out = np.empty((len(self), len(CATEGORICAL) + len(NUMERIC)), dtype=np.float32)
        for i, name in enumerate(CATEGORICAL):
            out[:, i] = self.codes(name)
        for i, name in enumerate(NUMERIC, start=len(CATEGORICAL)):
            out[:, i] = self.numeric(name)
        return out
