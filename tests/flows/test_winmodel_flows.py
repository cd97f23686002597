"""The win-model and rules-simulation flows on a real Prefect server: a refusal is a
finished run with a note, a trained model and a replay leave their artifacts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from leadflow.flows.winmodel import rules_simulation, win_model
from leadflow.settings import get_rules
from leadflow.store.db import session_factory
from leadflow.store.migrate import upgrade
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.flows.conftest import artifacts
from tests.integration.test_winmodel import START, referrals_win


def _history(tmp_path: Path, closed: int) -> str:
    url = f"sqlite:///{tmp_path / 'win.db'}"
    upgrade(url)
    with UnitOfWork(session_factory(url), actor="test") as uow:
        f.closed_history(uow.session, get_rules(), closed, START, referrals_win)
        uow.commit()
    return url


def test_win_model_refuses_then_the_replay_leaves_artifacts(tmp_path):
    url = _history(tmp_path, 30)
    refused = win_model(url=url)
    assert "not enough history" in refused["refused"]
    assert "No model published" in artifacts("win-model")[0]["data"]
    candidate = tmp_path / "high85.yaml"
    candidate.write_text("scoring:\n  priority:\n    high: 85\n", encoding="utf-8")
    report = rules_simulation(str(candidate), since=(START - dt.timedelta(days=1)).date(), url=url)
    assert report.leads == 30
    assert artifacts("rules-simulation-loads") and artifacts("rules-simulation-changes")
    assert "What-if" in artifacts("rules-simulation")[0]["data"]
