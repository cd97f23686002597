"""Training, versioning and showing win models (service functions: they take a session and
never commit; `leadflow model train`, the API-free CLI and the `win-model` flow call them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadflow.errors import NotFound
from leadflow.phrases import N_
from leadflow.progress import Report
from leadflow.rules.explain import MODEL_ACTIVE, MODEL_KEPT
from leadflow.store.winmodel_models import WinModel
from leadflow.winmodel.config import WinModelSettings
from leadflow.winmodel.dataset import Cutoff, closed_leads
from leadflow.winmodel.score import score_leads
from leadflow.winmodel.train import LIBRARY, train


def train_model(
    session: Session,
    now: dt.datetime,
    cfg: WinModelSettings,
    *,
    by: str,
    since: dt.datetime | None = None,
    on_progress: Report | None = None,
) -> WinModel:
    """Learn from the closed leads up to `now` (from `since`), each as it stood at its
    cut-off, keep the version with its metrics and window, and activate it only when its
    holdout lead over the rule-based score is significant and its calibration within
    bounds; an activated model scores every open lead at once. Raises NotEnoughHistory
    (nothing kept) when there is too little to learn from. `on_progress` hears the steps
    done of three: history read, model fitted, open leads scored (or left as they were)."""
    hear = on_progress or (lambda done, total: None)
    cutoff = Cutoff(cfg.cutoff, cfg.cutoff_days)
    data = closed_leads(session, cfg.budget_bands, since=since, until=now, cutoff=cutoff)
    hear(1, 3)
    trained = train(data, cfg)
    hear(2, 3)
    split = trained.split
    weights = {
        **trained.weights,
        "budget_bands": list(cfg.budget_bands),
        "top_factors": cfg.top_factors,
    }
    if trained.better_than_score:
        note = MODEL_ACTIVE.format(verdict=trained.verdict)
    else:
        note = MODEL_KEPT.format(verdict=trained.verdict)
    row = WinModel(
        trained_at=now,
        trained_by=by,
        window_start=data.closed_at(0),
        window_end=data.closed_at(len(data.won) - 1),
        holdout_start=data.closed_at(split.holdout_start),
        closed_leads=split.closed,
        wins=split.wins,
        train_leads=split.train,
        holdout_leads=split.holdout,
        active=False,
        note=note,
        library=LIBRARY,
        metrics=trained.metrics,
        weights=weights,
    )
    session.add(row)
    session.flush()
    if trained.better_than_score:
        session.execute(update(WinModel).where(WinModel.id != row.id).values(active=False))
        row.active = True
        session.flush()
        row.metrics = {**row.metrics, "open_leads_scored": score_leads(session, None, now)}
        session.flush()
    hear(3, 3)
    return row


def describe_model(row: WinModel) -> dict[str, Any]:
    """A model version as `leadflow model show --json` prints it."""
    m = row.metrics
    return {
        "id": row.id,
        "active": row.active,
        "trained_at": row.trained_at,
        "trained_by": row.trained_by,
        "library": row.library,
        "note": row.note,
        "window": {
            "start": row.window_start,
            "end": row.window_end,
            "holdout_start": row.holdout_start,
        },
        "closed_leads": row.closed_leads,
        "wins": row.wins,
        "train_leads": row.train_leads,
        "holdout_leads": row.holdout_leads,
        "holdout": {
            "model": {"auc": m["model"]["auc"], "brier": m["model"]["brier"]},
            "score": {"auc": m["score"]["auc"], "brier": m["score"]["brier"]},
            "win_rate": m.get("holdout_win_rate"),
            # Versions trained before issue 31 kept neither.
            "auc_difference": m.get("auc_gain"),
            "calibration_error": m["model"].get("calibration_error"),
            "calibration_bound": m.get("max_calibration_error"),
        },
        "calibration": {"model": m["model"]["calibration"], "score": m["score"]["calibration"]},
        "lift": {"model": m["model"]["lift"], "score": m["score"]["lift"]},
        "open_leads_scored": m.get("open_leads_scored", 0),
    }


def show_models(
    session: Session, model_id: int | None = None, limit: int = 10
) -> list[dict[str, Any]]:
    """The newest model versions (or one by id), newest first."""
    query = select(WinModel).order_by(WinModel.id.desc()).limit(limit)
    if model_id is not None:
        query = select(WinModel).where(WinModel.id == model_id)
    rows = [describe_model(r) for r in session.scalars(query)]
    if model_id is not None and not rows:
        raise NotFound(N_("win model {model_id} does not exist", model_id=model_id))
    return rows
