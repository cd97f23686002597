"""What the win model may look at: facts known before a lead's outcome, as columns.

Pure: a lead's values and its pre-outcome counts in, feature values out. A closed lead is
described as it stood at its cut-off (when it became an opportunity, or some days before
its close): its tracked fields as the field history says they were then (`AS_OF`), what
was logged up to then, and nothing later. An open lead is described as it stands now.
Nothing written at or after the outcome (contract terms, loss reason, the close stamps,
activities or objections logged later) is ever read."""

from __future__ import annotations

import bisect
import datetime as dt
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from leadflow.rules.vocab import ObjectionKind

# Lead columns the features read. Each of AS_OF is a tracked field (store/history.py): a
# closed lead's value is the one it held at the cut-off, the old value of its first change
# after it. The two timers are untracked; they are compared with the cut-off instead.
AS_OF = (
    "source",
    "industry",
    "company_size",
    "region",
    "contact_role",
    "budget_max",
    "timeline",
    "grade",
    "opportunity_grade",
    "priority",
    "owner_id",
    "intent_stated",
    "decision_maker_engaged",
    "budget_confirmed",
)
LEAD_COLUMNS = ("id", *AS_OF, "assigned_at", "first_contacted_at")
# The rule-based score keeps no history, so no feature reads it; it is what the model is
# compared with on the holdout.
# What is written at or after the outcome: never a feature (tests hold the model to it).
POST_OUTCOME = frozenset(
    {
        "state",
        "won_at",
        "lost_at",
        "contract_value",
        "payment_terms",
        "delivery_date",
        "promised",
        "loss_reason",
        "dormant",
        "version",
        "updated_at",
        "last_interaction_at",
        "last_contact_at",
    }
)

CATEGORICAL = (
    "source",
    "industry",
    "company_size",
    "region",
    "contact_role",
    "budget_band",
    "grade",
    "opportunity_grade",
    "priority",
    "owner",
)
OBJECTION_KINDS = tuple(k.value for k in ObjectionKind)
NUMERIC = (
    "hours_to_first_contact",
    "not_contacted",
    "contacts",
    *(f"objections_{k}" for k in OBJECTION_KINDS),
    "intent_stated",
    "decision_maker_engaged",
    "budget_confirmed",
    "has_timeline",
)
NONE = "(none)"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


_FLAGS = frozenset({"intent_stated", "decision_maker_engaged"})
_AMOUNTS = frozenset({"budget_max", "budget_confirmed"})


def from_history(name: str, text: str | None) -> Any:
    """A tracked field's value from its history text (store/history.py writes `str(value)`,
    dates in ISO form), typed as the lead's column holds it."""
    if text is None:
        return None
    if name in _FLAGS:
        return text == "True"
    if name in _AMOUNTS:
        return Decimal(text)
    if name == "owner_id":
        return int(text)
    if name == "timeline":
        return dt.date.fromisoformat(text[:10])
    return text


@dataclass
class Counts:
    """A lead's contacts and objections logged before its cutoff."""

    contacts: int = 0
    objections: dict[str, int] = field(default_factory=dict)


COUNTED = ("contacts", *(f"objections_{k}" for k in OBJECTION_KINDS))


def _band_label(index: int, bands: Sequence[float]) -> str:
    if index < 0:
        return "none"
    if index == 0:
        return f"<{bands[0]:.0f}"
    if index == len(bands):
        return f">={bands[-1]:.0f}"
    return f"{bands[index - 1]:.0f}-{bands[index]:.0f}"


def budget_band(budget_max: Any, bands: Sequence[float]) -> str:
    """`none`, or the band budget_max falls in (`<50000`, `50000-100000`, `>=1000000`)."""
    if budget_max is None:
        return "none"
    return _band_label(bisect.bisect_right(list(bands), float(budget_max)), bands)


def _floats(values: Sequence[Any]) -> np.ndarray:
    """Numbers, Decimals and flags as floats; None (and anything false) as 0."""
    return np.nan_to_num(np.array(values, dtype=np.float64), nan=0.0)


def micros(values: Sequence[dt.datetime | None]) -> tuple[np.ndarray, np.ndarray]:
    """Aware datetimes as whole microseconds since the epoch (exact, as timedelta
    arithmetic is), and which of them are known (not None)."""
    known = np.fromiter((v is not None for v in values), bool, len(values))
    return np.fromiter(
        ((v - _EPOCH) // _MICROSECOND if v is not None else 0 for v in values),
        np.int64,
        len(values),
    ), known


@dataclass(frozen=True)
class Factor:
    """A categorical column: a code per row into its labels."""

    codes: np.ndarray
    labels: list[str]


def factorise(values: Sequence[Any], label: Callable[[Any], str]) -> Factor:
    """Codes into the distinct labels, in order of first appearance (one label per
    distinct value, not per row)."""
    labels: dict[str, int] = {}
    code_of = {raw: labels.setdefault(label(raw), len(labels)) for raw in dict.fromkeys(values)}
    return Factor(
        np.fromiter(map(code_of.__getitem__, values), np.int32, len(values)), list(labels)
    )


def feature_columns(
    leads: Mapping[str, Sequence[Any]],
    counts: Mapping[str, np.ndarray],
    cutoff: np.ndarray | int,
    bands: Sequence[float],
) -> tuple[dict[str, Factor], dict[str, np.ndarray]]:
    """Many leads' features at once: `leads` maps each of LEAD_COLUMNS to a column of
    values, `counts` each of COUNTED to what was logged before each lead's cutoff, and
    `cutoff` is microseconds since the epoch (one for all, or one per lead)."""
    cats = {
        name: factorise(leads[name], lambda v: str(v or NONE))
        for name in CATEGORICAL
        if name not in ("budget_band", "owner")
    }
    cats["owner"] = factorise(leads["owner_id"], lambda v: NONE if v is None else str(v))
    budget = np.array(leads["budget_max"], dtype=np.float64)
    band = np.where(
        np.isnan(budget),
        -1,
        np.searchsorted(np.asarray(bands, dtype=np.float64), budget, side="right"),
    )
    cats["budget_band"] = factorise(band.tolist(), lambda i: _band_label(i, bands))
    (assigned, was_assigned), (first, was_contacted) = (
        micros(leads["assigned_at"]),
        micros(leads["first_contacted_at"]),
    )
    contacted = was_assigned & was_contacted & (first <= cutoff)
    # As timedelta.total_seconds() / 3600 computes it: the same float, lead by lead.
    hours = np.where(contacted, np.maximum((first - assigned) / 1e6 / 3600, 0.0), 0.0)
    nums = {}
    nums["hours_to_first_contact"] = np.log1p(hours)
    nums["not_contacted"] = (~contacted).astype(np.float64)
    nums.update({name: np.asarray(counts[name], dtype=np.float64) for name in COUNTED})
    for flag in ("intent_stated", "decision_maker_engaged"):
        nums[flag] = (_floats(leads[flag]) != 0).astype(np.float64)
    nums["budget_confirmed"] = np.log1p(_floats(leads["budget_confirmed"]))
    nums["has_timeline"] = np.fromiter(
        (v is not None for v in leads["timeline"]), np.float64, len(leads["timeline"])
    )
    return cats, {name: nums[name] for name in NUMERIC}


def feature_values(
    lead: Mapping[str, Any], counts: Counts, cutoff: dt.datetime, bands: Sequence[float]
) -> tuple[dict[str, str], dict[str, float]]:
    """One lead's categorical and numeric features as of `cutoff` (the columns' code on a
    column of one)."""
    counted = {
        "contacts": counts.contacts,
        **{f"objections_{k}": counts.objections.get(k, 0) for k in OBJECTION_KINDS},
    }
    cats, nums = feature_columns(
        {name: [lead.get(name)] for name in LEAD_COLUMNS},
        {name: np.array([n]) for name, n in counted.items()},
        micros([cutoff])[0],
        bands,
    )
    return (
        {name: f.labels[int(f.codes[0])] for name, f in cats.items()},
        {name: float(v[0]) for name, v in nums.items()},
    )


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

    def extend(
        self,
        ids: np.ndarray | Sequence[int],
        cats: Mapping[str, Factor],
        nums: Mapping[str, np.ndarray],
    ) -> None:
        """Append many leads' features, as `feature_columns` gives them."""
        self.ids.frombytes(np.asarray(ids, dtype=np.int64).tobytes())
        for name in CATEGORICAL:
            vocab, factor = self.vocab[name], cats[name]
            to_vocab = np.array(
                [vocab.setdefault(label, len(vocab)) for label in factor.labels], dtype=np.int32
            )
            self._codes[name].frombytes(to_vocab[factor.codes].tobytes())
        for name in NUMERIC:
            self._nums[name].frombytes(np.ascontiguousarray(nums[name], np.float64).tobytes())

    def __len__(self) -> int:
        return len(self.ids)

    def codes(self, name: str) -> np.ndarray:
        """A categorical column as integer codes into `vocab[name]`."""
        return (
            np.frombuffer(self._codes[name], dtype=np.int32)
            if len(self)
            else np.zeros(0, dtype=np.int32)
        )

    def values(self, name: str) -> list[str]:
        """A categorical column's values, decoded."""
        names = list(self.vocab[name])
        return [names[c] for c in self._codes[name]]

    def numeric(self, name: str) -> np.ndarray:
        """A numeric column."""
        return np.frombuffer(self._nums[name], dtype=np.float64) if len(self) else np.zeros(0)

    def matrix(self) -> np.ndarray:
        """Codes then numerics, one row per lead: what the training pipeline takes."""
        out = np.empty((len(self), len(CATEGORICAL) + len(NUMERIC)), dtype=np.float32)
        for i, name in enumerate(CATEGORICAL):
            out[:, i] = self.codes(name)
        for i, name in enumerate(NUMERIC, start=len(CATEGORICAL)):
            out[:, i] = self.numeric(name)
        return out
