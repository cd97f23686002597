"""The review's win-model section: how well the active model is calibrated and ranks, win
rate by grade over the period's closed deals, and the open leads where model and grade
disagree most (for the manager to look at; nothing moves on its own)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from leadflow.i18n import explain, label
from leadflow.i18n import gettext as _
from leadflow.store.models import Lead
from leadflow.store.winmodel_models import LeadWinScore, WinModel
from leadflow.winmodel.config import WinModelSettings
from leadflow.winmodel.dataset import CLOSED, CLOSED_AT, OPEN
from leadflow.winmodel.explain import describe
from leadflow.winmodel.score import active_model
from leadflow.winmodel.train import gain_shown
from leadflow.winmodel.words import why_said


class Disagreement(BaseModel):
    """An open lead whose probability and grade point different ways."""

    lead_id: int
    company: str
    grade: str | None
    probability: float
    owner_id: int | None
    kind: str  # "likely win, graded C" / "unlikely win, graded A"
    why: str
    factors: list[dict[str, Any]] = []  # what `why` says, as data (masked with it)


class WinReview(BaseModel):
    """The active model's holdout judgement beside the period's outcomes by grade."""

    model_id: int
    trained_at: dt.datetime
    note: str
    auc: dict[str, float]  # model, score
    auc_difference: dict[str, float] | None = None  # difference, low, high, confidence
    calibration_error: float | None = None
    calibration_bound: float | None = None
    brier: dict[str, float]
    calibration: list[dict[str, float]]
    lift: list[dict[str, Any]]  # decile, model and score win rates
    win_rate_by_grade: list[dict[str, Any]]
    disagreements: list[Disagreement]
    threshold: float


def win_review(
    session: Session, start: dt.datetime, end: dt.datetime, cfg: WinModelSettings
) -> WinReview | None:
    """The section for a period, or None while no model is active."""
    model = active_model(session)
    if model is None:
        return None
    m = model.metrics
    won = func.sum(case((Lead.state == "won", 1), else_=0))  # PostgreSQL casts no bool to bigint
    grades = session.execute(
        select(Lead.grade, func.count(), won)
        .where(and_(CLOSED, CLOSED_AT >= start, CLOSED_AT < end))
        .group_by(Lead.grade)
        .order_by(Lead.grade)
    ).all()
    t = cfg.disagreement_probability
    rows = session.execute(
        select(
            Lead.id,
            Lead.company_name,
            Lead.grade,
            Lead.owner_id,
            LeadWinScore.probability,
            LeadWinScore.factors,
        )
        .join(LeadWinScore, LeadWinScore.lead_id == Lead.id)
        .where(
            Lead.state.in_(OPEN),
            ((LeadWinScore.probability >= t) & (Lead.grade == "C"))
            | ((LeadWinScore.probability < t) & (Lead.grade == "A")),
        )
        .order_by(func.abs(LeadWinScore.probability - t).desc(), Lead.id)
        .limit(cfg.disagreements_listed)
    ).all()
    return WinReview(
        model_id=model.id,
        trained_at=model.trained_at,
        note=model.note,
        threshold=t,
        auc={"model": m["model"]["auc"], "score": m["score"]["auc"]},
        auc_difference=m.get("auc_gain"),
        calibration_error=m["model"].get("calibration_error"),
        calibration_bound=m.get("max_calibration_error"),
        brier={"model": m["model"]["brier"], "score": m["score"]["brier"]},
        calibration=m["model"]["calibration"],
        lift=[
            {"decile": a["bin"], "model": a["win_rate"], "score": b["win_rate"]}
            for a, b in zip(m["model"]["lift"], m["score"]["lift"], strict=True)
        ],
        win_rate_by_grade=[
            {
                "grade": g or "-",
                "closed": n,
                "won": int(w or 0),
                "win_rate": round(int(w or 0) / n, 4),
            }
            for g, n, w in grades
        ],
        disagreements=[
            Disagreement(
                lead_id=i,
                company=c,
                grade=g,
                probability=p,
                owner_id=o,
                kind=("likely win, graded C" if g == "C" else "unlikely win, graded A"),
                why=describe(f),
                factors=f,
            )
            for i, c, g, o, p, f in rows
        ],
    )


def win_status(session: Session, cfg: WinModelSettings) -> str | None:
    """Why no model is active, in plain words (None while one is): the history is too small
    to learn from, or the newest model showed no significant signal (its note says which
    test it failed), or none was trained yet."""
    if active_model(session) is not None:
        return None
    closed, won = session.execute(
        select(func.count(), func.count().filter(Lead.state == "won")).where(CLOSED)
    ).one()
    if closed < cfg.min_closed_leads or won < cfg.min_wins or closed - won < cfg.min_losses:
        return _(
            "_No active win model: the history is too small ({closed} closed leads, {won} "
            "won; a model needs {need} closed, {wins} won and {losses} lost)._"
        ).format(
            closed=closed,
            won=won,
            need=cfg.min_closed_leads,
            wins=cfg.min_wins,
            losses=cfg.min_losses,
        )
    newest = session.scalars(select(WinModel).order_by(WinModel.id.desc()).limit(1)).first()
    if newest is None:
        return _("_No active win model: run `leadflow model train`._")
    return _("_No active win model: model {model} was kept but not switched on: {why}._").format(
        model=newest.id, why=newest.note.removeprefix("kept but not activated: ")
    )


def _advantage(w: WinReview) -> list[str]:
    """The AUC difference's interval and the calibration error, when the model kept them."""
    gain = w.auc_difference
    if gain is None or w.calibration_error is None:
        return []
    return [
        _(
            "AUC difference {difference} ({confidence} interval {low} to {high}); calibration "
            "error {error} (bound {bound})."
        ).format(
            **gain_shown(gain),
            error=f"{w.calibration_error:.3f}",
            bound=f"{w.calibration_bound:g}",
        ),
        "",
    ]


def win_markdown(
    w: WinReview | None, table: Any, section: Any, status: str | None = None
) -> list[str]:
    """The section as Markdown lines in the current language, drawn with the review's own
    table helpers; without an active model, `status` says why."""
    if w is None:
        return section(
            _("Win model"), [status or _("_No active win model: run `leadflow model train`._"), ""]
        )
    return [
        *section(
            _("Win model {model}").format(model=w.model_id),
            table(
                ["", _("Model"), _("Rule-based score")],
                [
                    [_("Holdout AUC"), w.auc["model"], w.auc["score"]],
                    [_("Holdout Brier"), w.brier["model"], w.brier["score"]],
                ],
                "lr",
            ),
            explain(w.note),
        ),
        *_advantage(w),
        *section(
            _("Calibration (holdout)"),
            table(
                [_("Predicted"), _("Observed")],
                [[c["predicted"], c["observed"]] for c in w.calibration],
                "r",
            ),
        ),
        *section(
            _("Lift by decile (holdout win rate)"),
            table(
                [_("Decile"), _("Model"), _("Score")],
                [[x["decile"], x["model"], x["score"]] for x in w.lift],
                "r",
            ),
        ),
        *section(
            _("Win rate by grade (closed in the period)"),
            table(
                [_("Grade"), _("Closed"), _("Won"), _("Win rate")],
                [
                    [label("grade", g["grade"]), g["closed"], g["won"], g["win_rate"]]
                    for g in w.win_rate_by_grade
                ],
                "lr",
            ),
        ),
        *section(
            _("Where the model and the grade disagree"),
            table(
                [_("Lead"), _("Company"), _("Grade"), _("Win probability"), _("Owner"), _("Why")],
                [
                    [
                        d.lead_id,
                        d.company,
                        label("grade", d.grade),
                        f"{d.probability:.0%}",
                        d.owner_id,
                        why_said(d.factors) if d.factors else d.why,
                    ]
                    for d in w.disagreements
                ],
                "rlllrl",
            ),
            _(
                "Open leads with a probability of at least {threshold} graded C, and below it "
                "graded A. The grade does not change: the manager decides."
            ).format(threshold=f"{w.threshold:g}"),
        ),
    ]
