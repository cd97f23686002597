"""A probability from stored weights, with the factors that moved it most.

A factor's points are how far the probability moves when that one feature is set back to
its average over the training leads: "source trade_show +8 pts" means that without the
trade-show channel (at the average channel's effect) the lead would be 8 points lower."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from leadflow.phrases import N_
from leadflow.winmodel.features import CATEGORICAL, NUMERIC, FeatureTable

# A factor is stored in English, written from these phrases; `leadflow.winmodel.words`
# matches it back to its phrase to show it in the reader's language.
FLAGS = {
    "not_contacted": (N_("not contacted"), N_("contacted")),
    "intent_stated": (N_("intent stated"), N_("no intent stated")),
    "decision_maker_engaged": (N_("decision maker engaged"), N_("no decision maker engaged")),
    "has_timeline": (N_("timeline known"), N_("no timeline")),
}
FRAMES = {
    "source": N_("source {value}"),
    "industry": N_("industry {value}"),
    "company_size": N_("company size {value}"),
    "region": N_("region {value}"),
    "contact_role": N_("contact role {value}"),
    "budget_band": N_("budget band {value}"),
    "grade": N_("grade {value}"),
    "opportunity_grade": N_("opportunity grade {value}"),
    "priority": N_("priority {value}"),
    "owner": N_("owner {value}"),
    "behaviour_score": N_("behaviour score {value}"),
    "attribute_score": N_("attribute score {value}"),
    "score": N_("score {value}"),
    "contacts": N_("contacts {value}"),
    # Counts kept as log1p in the features, shown as the amounts people know.
    "hours_to_first_contact": N_("hours to first contact {value}"),
    "budget_confirmed": N_("confirmed budget {value}"),
}
OBJECTIONS = N_("objections {kind} {value}")
_LOGGED = ("hours_to_first_contact", "budget_confirmed")
POINTS = N_("{factor} {points} pts")
NOTHING_STANDS_OUT = N_("no factor stands out")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def terms(weights: dict[str, Any], table: FeatureTable) -> tuple[np.ndarray, list[str]]:
    """Each lead's log-odds term per feature (leads x features) and the feature names."""
    columns = []
    for col in CATEGORICAL:
        coef = weights["categorical"][col]
        lookup = np.array([coef.get(value, 0.0) for value in table.vocab[col]] or [0.0])
        columns.append(lookup[table.codes(col)] if len(table) else np.zeros(0))
    for col in NUMERIC:
        w = weights["numeric"][col]
        columns.append(w["coef"] * (table.numeric(col) - w["mean"]) / w["scale"])
    return np.column_stack(columns) if len(table) else np.zeros((0, len(columns))), [
        *CATEGORICAL,
        *NUMERIC,
    ]


def probabilities(weights: dict[str, Any], table: FeatureTable) -> np.ndarray:
    """P(won) of each lead in the table."""
    t, _ = terms(weights, table)
    return _sigmoid(weights["intercept"] + t.sum(axis=1))


def _label(name: str, raw: float, vocab: list[str] | None) -> str:
    """`source trade_show`, `contact role decision_maker`, `contacts 3`, `no timeline`;
    `raw` is a categorical feature's code into `vocab`, or a numeric feature's value."""
    if vocab is not None:
        return FRAMES[name].format(value=vocab[int(raw)])
    if name in FLAGS:
        return str(FLAGS[name][0 if raw else 1])
    if name in _LOGGED:
        return FRAMES[name].format(value=f"{math.expm1(raw):,.0f}")
    if name.startswith("objections_"):
        kind = name.removeprefix("objections_").replace("_", " ")
        return OBJECTIONS.format(kind=kind, value=f"{raw:g}")
    return FRAMES[name].format(value=f"{raw:g}")


def explain(
    weights: dict[str, Any], table: FeatureTable, top: int
) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
    """P(won) of each lead and its `top` factors by size, in percentage points."""
    t, names = terms(weights, table)
    logit = weights["intercept"] + t.sum(axis=1)
    p = _sigmoid(logit)
    if not len(table):
        return p, []
    base = np.array([weights["baseline"][n] for n in names])
    moved = p[:, None] - _sigmoid(logit[:, None] - t + base[None, :])
    order = np.argsort(-np.abs(moved), axis=1)[:, :top]
    # Each chosen factor's raw value (a code, or a number) picks its label: a label is made
    # once per distinct value, not once per lead.
    raw = np.column_stack(
        [*(table.codes(c) for c in CATEGORICAL), *(table.numeric(n) for n in NUMERIC)]
    )
    vocab = [list(table.vocab[c]) for c in CATEGORICAL] + [None] * len(NUMERIC)
    labels: dict[tuple[int, float], str] = {}
    factors = []
    for best, size, value in zip(
        order.tolist(),
        np.take_along_axis(moved, order, axis=1).tolist(),
        np.take_along_axis(raw, order, axis=1).tolist(),
        strict=True,
    ):
        chosen = []
        for k, m, v in zip(best, size, value, strict=True):
            if abs(m) < 0.0005:
                continue
            label = labels.get((k, v))
            if label is None:
                label = labels[(k, v)] = _label(names[k], v, vocab[k])
            chosen.append({"factor": label, "points": round(m * 100, 1), "feature": names[k]})
        factors.append(chosen)
    return p, factors


def describe(factors: list[dict[str, Any]]) -> str:
    """`source trade_show +8 pts, contact role decision_maker +6 pts`."""
    return ", ".join(
        POINTS.format(factor=f["factor"], points=f"{f['points']:+.0f}") for f in factors
    )


def win_line(win: dict[str, Any]) -> str:
    """`win probability: 42% (model 3): source trade_show +8 pts, ...` for `leads show`."""
    return (
        f"win probability: {win['probability']:.0%} (model {win['model_id']}): "
        f"{describe(win['factors']) or NOTHING_STANDS_OUT}"
    )
