"""`leadflow model train|show`, `leads list --sort win-probability`, `rules simulate` as a
user runs them, and the probability on GET /leads/{id} over real HTTP."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from leadflow.bootstrap import unit_of_work
from leadflow.settings import get_rules
from leadflow.store.migrate import upgrade
from tests import factories as f
from tests.e2e.api_harness import ok, running_api
from tests.e2e.test_cli import run, run_json
from tests.integration.test_winmodel import START, referrals_win

SMALL = {
    "LEADFLOW_WIN_MODEL__MIN_CLOSED_LEADS": "60",
    "LEADFLOW_WIN_MODEL__MIN_WINS": "10",
    "LEADFLOW_WIN_MODEL__MIN_LOSSES": "10",
}


def _database(tmp_path: Path, closed: int) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'win.db'}"
    upgrade(url)
    with unit_of_work("test", url=url) as uow:
        f.closed_history(uow.session, get_rules(), closed, START, referrals_win)
        uow.commit()
    return url, {
        **os.environ,
        "LEADFLOW_DATABASE_URL": url,
        "LEADFLOW_LOG_FILE": str(tmp_path / "errors.log"),
        **SMALL,
    }


def _dump(path: Path) -> list[str]:
    """Every row of the database file, as SQL."""
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def test_too_little_history_is_refused_in_one_line(tmp_path):
    _, env = _database(tmp_path, 20)
    proc = run(["model", "train"], env, ok=False)
    assert proc.stderr.startswith(
        "error: not enough history to publish a win model: 20 closed leads (needs 60)"
    )
    assert run_json(["model", "show"], env) == []


def test_train_show_sort_and_the_api(tmp_path):
    url, env = _database(tmp_path, 100)
    trained = run_json(["model", "train"], env)
    shown = run_json(["model", "show"], env)
    assert shown["id"] == trained["id"]
    for ranker in ("model", "score"):
        assert {"auc", "brier"} <= set(shown["holdout"][ranker])
    added = run_json(
        [
            "leads",
            "add",
            "--source",
            "referral",
            "--company",
            "Acme",
            "--contact",
            "Jo",
            "--need",
            "CRM for 40 reps",
            "--email",
            "jo@acme.example",
            "--region",
            "east",
            "--role",
            "decision_maker",
            "--size",
            "large",
            "--budget-max",
            "250000",
        ],
        env,
    )
    listed = run_json(["leads", "list", "--sort", "win-probability", "--state", "nurturing"], env)
    if shown["active"]:
        assert listed[0]["id"] == added["id"] and listed[0]["win_probability"] is not None
        assert "win probability" in run(["leads", "show", str(added["id"])], env).stdout
        with running_api(url) as api:
            lead = ok(api.as_role("manager").get(f"/leads/{added['id']}"))
            assert lead["win"]["model_id"] == shown["id"] and lead["win"]["factors"]
    before = _dump(tmp_path / "win.db")
    candidate = tmp_path / "high85.yaml"
    candidate.write_text("scoring:\n  priority:\n    high: 85\n", encoding="utf-8")
    since = (START - dt.timedelta(days=1)).date().isoformat()
    report = run(
        ["rules", "simulate", "--rules", str(candidate), "--since", since, "--format", "json"], env
    ).stdout
    assert '"leads": 100' in report
    assert _dump(tmp_path / "win.db") == before  # the replay wrote nothing
