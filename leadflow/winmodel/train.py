"""Learning P(won) from closed leads with scikit-learn, and judging it on a time-ordered
holdout against the rule-based score.

The model is a regularised logistic regression over one-hot facts and standardised
counts: it minimises log loss, so its probabilities are calibrated by design (the holdout's
calibration curve shows how well), and its coefficients explain each probability exactly.
The rule-based score is given the same chance: a one-feature logistic regression (Platt
scaling) fitted on the same training leads turns it into a probability for the Brier
score; its AUC needs no scaling."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sklearn
from pydantic import BaseModel
from sklearn.calibration import calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from leadflow.errors import LeadFlowError
from leadflow.rules.explain import (
    MODEL_BETTER,
    MODEL_GAIN_LOW,
    MODEL_NO_SIGNAL,
    MODEL_SHOWN,
    MODEL_UNCALIBRATED,
)
from leadflow.winmodel.config import WinModelSettings
from leadflow.winmodel.dataset import ClosedLeads
from leadflow.winmodel.features import CATEGORICAL, NUMERIC, FeatureTable

LIBRARY = f"scikit-learn {sklearn.__version__}"


class NotEnoughHistory(LeadFlowError):
    """Too few closed leads, wins or losses to learn from or to judge a model on."""


class Split(BaseModel):
    """How the closed leads were divided, by close time."""

    closed: int
    wins: int
    train: int
    holdout: int
    holdout_start: int  # index of the first holdout lead in close-time order


class Trained(BaseModel):
    """A fitted model's weights and its holdout metrics beside the score's."""

    weights: dict[str, Any]
    metrics: dict[str, Any]
    split: Split
    better_than_score: bool
    verdict: str


def check_history(data: ClosedLeads, cfg: WinModelSettings) -> Split:
    """The time-ordered split, or NotEnoughHistory saying what is missing."""
    n, wins = len(data.won), int(sum(data.won))
    problems = []
    if n < cfg.min_closed_leads:
        problems.append(f"{n} closed leads (needs {cfg.min_closed_leads})")
    if wins < cfg.min_wins:
        problems.append(f"{wins} wins (needs {cfg.min_wins})")
    if n - wins < cfg.min_losses:
        problems.append(f"{n - wins} losses (needs {cfg.min_losses})")
    holdout = max(1, math.ceil(n * cfg.holdout_share))
    start = n - holdout
    held, trained = list(data.won[start:]), list(data.won[:start])
    if not problems and (
        0 in (sum(held), len(held) - sum(held)) or 0 in (sum(trained), len(trained) - sum(trained))
    ):
        problems.append(
            "the training part or the holdout of the most recent closed leads "
            "has only wins or only losses"
        )
    if problems:
        raise NotEnoughHistory(
            "not enough history to publish a win model: "
            + ", ".join(problems)
            + " (win_model in config/settings.yaml)"
        )
    return Split(closed=n, wins=wins, train=start, holdout=holdout, holdout_start=start)


def _pipeline(cfg: WinModelSettings) -> Pipeline:
    cats = list(range(len(CATEGORICAL)))
    nums = list(range(len(CATEGORICAL), len(CATEGORICAL) + len(NUMERIC)))
    # Sparse whatever the density: at 56 columns (24 set a lead) the default made it dense,
    # and stacking that float64 matrix cost more than the fit (measured at 200k leads:
    # 3.0 s stacking, 1.0 s densifying, 3.6 s the solver's loss and gradient).
    encode = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), cats), ("num", StandardScaler(), nums)],
        sparse_threshold=1.0,
    )
    return Pipeline(
        [
            ("encode", encode),
            ("fit", LogisticRegression(C=cfg.regularization, max_iter=cfg.max_iterations)),
        ]
    )


def _weights(pipe: Pipeline, table: FeatureTable, x_train: np.ndarray) -> dict[str, Any]:
    """The fitted coefficients by feature and value, and each feature's average term over
    the training leads (the baseline a factor is measured against)."""
    encode, fit = pipe.named_steps["encode"], pipe.named_steps["fit"]
    coef = fit.coef_[0]
    onehot, scaler = encode.named_transformers_["cat"], encode.named_transformers_["num"]
    names = {col: list(table.vocab[col]) for col in CATEGORICAL}
    categorical: dict[str, dict[str, float]] = {}
    baseline: dict[str, float] = {}
    at = 0
    for j, col in enumerate(CATEGORICAL):
        codes = onehot.categories_[j]
        values = {names[col][int(code)]: float(coef[at + i]) for i, code in enumerate(codes)}
        categorical[col] = values
        lookup = np.zeros(len(names[col]))
        for i, code in enumerate(codes):
            lookup[int(code)] = coef[at + i]
        baseline[col] = float(lookup[x_train[:, j].astype(np.int64)].mean())
        at += len(codes)
    numeric = {
        col: {
            "mean": float(scaler.mean_[k]),
            "scale": float(scaler.scale_[k]),
            "coef": float(coef[at + k]),
        }
        for k, col in enumerate(NUMERIC)
    }
    baseline.update(dict.fromkeys(NUMERIC, 0.0))  # standardised: their average term is 0
    return {
        "intercept": float(fit.intercept_[0]),
        "categorical": categorical,
        "numeric": numeric,
        "baseline": baseline,
    }


def _lift(y: np.ndarray, p: np.ndarray, bins: int) -> list[dict[str, float]]:
    """Win rate per bin of leads ranked by `p` (highest first), and its lift over all."""
    overall = float(y.mean()) or 1.0
    order = np.argsort(-p, kind="stable")
    out = []
    for i, part in enumerate(np.array_split(order, bins), start=1):
        rate = float(y[part].mean()) if len(part) else 0.0
        out.append(
            {
                "bin": i,
                "leads": int(len(part)),
                "win_rate": round(rate, 4),
                "lift": round(rate / overall, 3),
            }
        )
    return out


def calibration_error(y: np.ndarray, p: np.ndarray, cfg: WinModelSettings) -> float:
    """The mean gap between predicted and observed win rate over equal-count bins of at
    least `calibration_min_leads` leads (at most `calibration_bins`): fewer, wider bins on a
    small holdout, where a bin of a few leads would show noise as miscalibration."""
    bins = max(1, min(cfg.calibration_bins, len(y) // cfg.calibration_min_leads))
    observed, predicted = calibration_curve(y, p, n_bins=bins, strategy="quantile")
    return round(float(np.mean(np.abs(observed - predicted))), 4)


def _judge(
    y: np.ndarray, p: np.ndarray, score: np.ndarray, cfg: WinModelSettings
) -> dict[str, Any]:
    prob_true, prob_pred = calibration_curve(y, p, n_bins=cfg.calibration_bins, strategy="quantile")
    return {
        "auc": round(float(roc_auc_score(y, score)), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "calibration_error": calibration_error(y, p, cfg),
        "calibration": [
            {"predicted": round(float(a), 4), "observed": round(float(b), 4)}
            for a, b in zip(prob_pred, prob_true, strict=True)
        ],
        "lift": _lift(y, score, cfg.lift_bins),
    }


def auc_gain_interval(
    y: np.ndarray, p_model: np.ndarray, score: np.ndarray, cfg: WinModelSettings
) -> dict[str, float]:
    """The model's holdout AUC minus the score's, with a paired bootstrap interval: the
    holdout resampled `bootstrap_rounds` times (at most `bootstrap_max_leads` a round, which
    only widens the interval), both AUCs on each sample. Seeded: the same holdout gives the
    same interval."""
    rng = np.random.default_rng(0)
    n = len(y)
    size = min(n, cfg.bootstrap_max_leads)
    gains = []
    for _ in range(cfg.bootstrap_rounds):
        pick = rng.integers(0, n, size)
        drawn = y[pick]
        if drawn.min() == drawn.max():  # an AUC needs a win and a loss
            continue
        gains.append(roc_auc_score(drawn, p_model[pick]) - roc_auc_score(drawn, score[pick]))
    tail = (1 - cfg.confidence) / 2
    low, high = np.quantile(gains, [tail, 1 - tail]) if gains else (-1.0, 1.0)
    return {
        "difference": round(float(roc_auc_score(y, p_model) - roc_auc_score(y, score)), 4),
        "low": round(float(low), 4),
        "high": round(float(high), 4),
        "confidence": cfg.confidence,
        "rounds": len(gains),
    }


def gain_shown(gain: dict[str, float]) -> dict[str, str]:
    """The AUC difference and its interval as the model's reports print them."""
    return {
        "difference": f"{gain['difference']:+.3f}",
        "confidence": f"{gain['confidence']:.0%}",
        "low": f"{gain['low']:+.3f}",
        "high": f"{gain['high']:+.3f}",
    }


def verdict(
    model: dict[str, Any], rules: dict[str, Any], gain: dict[str, float], cfg: WinModelSettings
) -> tuple[bool, str]:
    """Whether the model may be switched on, and the plain words why (or why not)."""
    shown = MODEL_SHOWN.format(
        model_auc=f"{model['auc']:.3f}",
        score_auc=f"{rules['auc']:.3f}",
        **gain_shown(gain),
        calibration=f"{model['calibration_error']:.3f}",
        bound=f"{cfg.max_calibration_error:g}",
    )
    if gain["low"] <= 0:
        return False, MODEL_NO_SIGNAL.format(shown=shown)
    if gain["difference"] < cfg.min_auc_gain:
        return False, MODEL_GAIN_LOW.format(gain=f"{cfg.min_auc_gain:g}", shown=shown)
    if model["calibration_error"] > cfg.max_calibration_error:
        return False, MODEL_UNCALIBRATED.format(shown=shown)
    return True, MODEL_BETTER.format(shown=shown)


def train(data: ClosedLeads, cfg: WinModelSettings) -> Trained:
    """Fit on the older closed leads, judge on the most recent ones, model against score."""
    split = check_history(data, cfg)
    x = data.table.matrix()
    y = np.asarray(data.won, dtype=np.int8)
    score = np.asarray(data.scores, dtype=np.float64)
    cut = split.holdout_start
    pipe = _pipeline(cfg).fit(x[:cut], y[:cut])
    p_model = pipe.predict_proba(x[cut:])[:, 1]
    platt = LogisticRegression().fit(score[:cut].reshape(-1, 1), y[:cut])
    p_score = platt.predict_proba(score[cut:].reshape(-1, 1))[:, 1]
    model = _judge(y[cut:], p_model, p_model, cfg)
    rules = _judge(y[cut:], p_score, score[cut:], cfg)
    gain = auc_gain_interval(y[cut:], p_model, score[cut:], cfg)
    better, said = verdict(model, rules, gain, cfg)
    metrics = {
        "model": model,
        "score": rules,
        "auc_gain": gain,
        "max_calibration_error": cfg.max_calibration_error,
        "holdout_win_rate": round(float(y[cut:].mean()), 4),
        "train_win_rate": round(float(y[:cut].mean()), 4),
    }
    return Trained(
        weights=_weights(pipe, data.table, x[:cut]),
        metrics=metrics,
        split=split,
        better_than_score=better,
        verdict=said,
    )


def pipeline_probabilities(data: ClosedLeads, cfg: WinModelSettings) -> tuple[Any, Any]:
    """The fitted pipeline's own holdout probabilities beside the holdout features (tests
    check that the stored weights reproduce them)."""
    split = check_history(data, cfg)
    x = data.table.matrix()
    cut = split.holdout_start
    pipe = _pipeline(cfg).fit(x[:cut], np.asarray(data.won[:cut], dtype=np.int8))
    return pipe.predict_proba(x[cut:])[:, 1], cut
