"""`leadflow model train|show`: the win-probability model learned from closed leads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.app import App
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.cli.progress import steps
from leadflow.settings import get_settings

app = App(no_args_is_help=True, help="The win probability learned from past outcomes.")


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _text(model: dict[str, Any]) -> str:
    h = model["holdout"]
    w = model["window"]
    lines = [
        f"win model {model['id']} ({'ACTIVE' if model['active'] else 'inactive'}), "
        f"trained {model['trained_at']:%Y-%m-%d %H:%M} by {model['trained_by']}, "
        f"{model['library']}",
        f"  learned from {model['closed_leads']} closed leads ({model['wins']} won) closed "
        f"{w['start']:%Y-%m-%d} .. {w['end']:%Y-%m-%d}; holdout: the "
        f"{model['holdout_leads']} closed from {w['holdout_start']:%Y-%m-%d}",
        f"  holdout AUC    model {h['model']['auc']:.3f}   rule-based score "
        f"{h['score']['auc']:.3f}",
        f"  holdout Brier  model {h['model']['brier']:.4f}  rule-based score "
        f"{h['score']['brier']:.4f}  (win rate {h['win_rate']:.1%})",
        *_significance(h),
        f"  {model['note']}",
        "",
        "  lift by decile (win rate, highest probability first):",
        table(
            [
                {
                    "decile": a["bin"],
                    "model": f"{a['win_rate']:.1%} x{a['lift']:.2f}",
                    "score": f"{b['win_rate']:.1%} x{b['lift']:.2f}",
                }
                for a, b in zip(model["lift"]["model"], model["lift"]["score"], strict=True)
            ],
            ["decile", "model", "score"],
        ),
        "",
        "  calibration (model): predicted -> observed",
        "  "
        + ", ".join(
            f"{c['predicted']:.2f}->{c['observed']:.2f}" for c in model["calibration"]["model"]
        ),
    ]
    return "\n".join(lines)


def _significance(holdout: dict[str, Any]) -> list[str]:
    """The AUC difference's interval and the calibration error (none on older versions)."""
    gain = holdout.get("auc_difference")
    if not gain:
        return []
    return [
        f"  AUC difference {gain['difference']:+.3f}, {gain['confidence']:.0%} interval "
        f"{gain['low']:+.3f} to {gain['high']:+.3f} "
        f"({'above zero' if gain['low'] > 0 else 'reaches zero: no significant advantage'})",
        f"  calibration error {holdout['calibration_error']:.3f} "
        f"(bound {holdout['calibration_bound']:g})",
    ]


# Help paragraphs are one line each: Typer keeps a docstring's single line breaks.
TRAIN_HELP = (
    "Learn P(won) from the closed leads.\n\n"
    "Each closed lead is read as it stood at its cut-off: when it became an opportunity, or "
    "days before its close.\n\n"
    "Each version is kept with its holdout metrics, active only if its AUC advantage over the "
    "score is significant and its calibration within bounds."
)


@app.command("train", help=TRAIN_HELP)
def train(
    since: dt.datetime | None = typer.Option(
        None, help="Learn from leads closed from this date on (default: all history)."
    ),
    by: str = typer.Option("cli", "--by", help="Who trains (kept with the model)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """`leadflow model train`: TRAIN_HELP."""
    from leadflow.winmodel.service import describe_model, train_model

    with steps(as_json, "of 3 steps", rated=False) as shown, unit_of_work(by) as uow:
        row = train_model(
            uow.session,
            dt.datetime.now(dt.UTC),
            get_settings().win_model,
            by=by,
            since=_utc(since),
            on_progress=shown.stage("trained"),
        )
        uow.commit()
        data = describe_model(row)
    emit(data, as_json, _text(data))


@app.command("show")
def show(
    model_id: int | None = typer.Argument(None, help="A version id (default: the newest)."),
    history: int = typer.Option(
        1, "--history", min=1, max=100, help="How many of the newest versions to show."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Print model versions with their training window and holdout metrics.

    The rule-based score's metrics on the same holdout stand beside the model's."""
    from leadflow.winmodel.service import show_models

    with unit_of_work() as uow:
        models = show_models(uow.session, model_id, history)
    if not models:
        emit([], as_json, "no win model yet: run `leadflow model train`")
        return
    emit(models if history > 1 else models[0], as_json, "\n\n".join(_text(m) for m in models))
