"""Win-model and rules-simulation tasks: each opens one unit of work and calls a service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from leadflow.bootstrap import unit_of_work
from leadflow.settings import get_rules, get_settings
from leadflow.simulate.render import render_report as render_report  # for the flow
from leadflow.simulate.report import SimulationReport as SimulationReport  # for the flow
from leadflow.task_policy import database_task


@database_task("train-win-model")
def train_win_model(now: dt.datetime, url: str | None = None) -> dict[str, Any]:
    """Train, keep and (when it beats the score) activate a model; a refusal for too little
    history comes back as {"refused": why} rather than a failure."""
    from leadflow.winmodel.service import describe_model, train_model
    from leadflow.winmodel.train import NotEnoughHistory

    with unit_of_work("win-model", url=url) as uow:
        try:
            row = train_model(uow.session, now, get_settings().win_model, by="win-model")
        except NotEnoughHistory as exc:
            return {"refused": str(exc)}
        uow.commit()
        return describe_model(row)


@database_task("simulate-rules")
def simulate_rules(
    candidate: str,
    period: str | None,
    since: dt.date | None,
    now: dt.datetime,
    samples: int,
    url: str | None = None,
) -> SimulationReport:
    """Replay a window's leads through the current and candidate rules; reads only."""
    from pathlib import Path

    from leadflow.simulate.service import candidate_rules, simulate, window

    current = get_rules()
    rules = candidate_rules(Path(candidate), current)
    label, start, end = window(period, since, now)
    with unit_of_work("rules-simulation", url=url) as uow:  # never committed
        return simulate(
            uow.session, current, rules, Path(candidate).name, label, start, end, samples
        )
