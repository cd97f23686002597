"""win-model: learn the win probability weekly; rules-simulation: what-if of a rule change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger

from leadflow.flows.common import business_now, markdown, rename_run, stamped, table
from leadflow.tasks.ops import OPS_HOOKS
from leadflow.tasks.winmodel import (
    SimulationReport,
    render_report,
    simulate_rules,
    train_win_model,
)


@flow(name="win-model", flow_run_name=stamped("win-model"), **OPS_HOOKS)
def win_model(url: str | None = None, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Learn P(won) from the leads closed by `as_of` when given (else by now), judge it on
    the most recent ones against the rule-based score, keep the version, and activate it
    only if it is better."""
    result = train_win_model(business_now(as_of, url), url)
    if "refused" in result:
        get_run_logger().warning(result["refused"])
        markdown("win-model", f"**No model published.** {result['refused']}", "Win model")
        rename_run("refused")
        return result
    h = result["holdout"]
    markdown("win-model", f"Model {result['id']}: {result['note']}", "Win model")
    table(
        "win-model-holdout",
        [
            {"ranker": name, "auc": h[name]["auc"], "brier": h[name]["brier"]}
            for name in ("model", "score")
        ],
        "Holdout AUC and Brier, model against score",
    )
    table(
        "win-model-lift",
        [
            {"decile": a["bin"], "model_win_rate": a["win_rate"], "score_win_rate": b["win_rate"]}
            for a, b in zip(result["lift"]["model"], result["lift"]["score"], strict=True)
        ],
        "Lift by decile",
    )
    rename_run(f"model {result['id']} {'active' if result['active'] else 'kept inactive'}")
    return result


@flow(name="rules-simulation", flow_run_name=stamped("rules-simulation"), **OPS_HOOKS)
def rules_simulation(
    candidate: str,
    period: str | None = None,
    since: dt.date | None = None,
    samples: int = 20,
    url: str | None = None,
    as_of: dt.datetime | None = None,
) -> SimulationReport:
    """Replay a period's leads (default: the last complete quarter before `as_of` when
    given, else before now), as they were at intake, through the current rules and the
    candidate file; leave the comparison as artifacts. Writes nothing."""
    now = business_now(as_of, url)
    report = simulate_rules(candidate, period, since, now, samples, url)
    markdown("rules-simulation", render_report(report, "md"), f"What-if over {report.period}")
    table(
        "rules-simulation-loads",
        [r.model_dump() for r in report.loads],
        "Each rep's load under the current and candidate rules",
    )
    table(
        "rules-simulation-changes",
        [{"field": g.field, "change": g.change, "leads": g.count} for g in report.groups],
        "What changes",
    )
    rename_run(f"{report.period} · " + ", ".join(f"{k} {v}" for k, v in report.changed.items()))
    return report
