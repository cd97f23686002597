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


def referrals_always_win(record, rnd) -> bool:
    """A channel the score does not see decides every outcome: a signal no holdout misses."""
    return record["source"] == "referral"


def _database(tmp_path: Path, closed: int, wins_if=referrals_win) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'win.db'}"
    upgrade(url)
    with unit_of_work("test", url=url) as uow:
        f.closed_history(uow.session, get_rules(), closed, START, wins_if)
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
    """Issue 31 item 7: right after `model train` activates a model, an open lead taken in
    before it has its probability in `leads show` and on GET /leads/{id}."""
    url, env = _database(tmp_path, 100, referrals_always_win)
    with unit_of_work("test", url=url) as uow:
        waiting = f.taken_in(uow.session, get_rules(), f.NOW, source="referral")
        uow.commit()
    trained = run_json(["model", "train"], env)
    shown = run_json(["model", "show"], env)
    assert shown["id"] == trained["id"] and shown["active"]
    assert shown["holdout"]["auc_difference"]["low"] > 0
    story = run_json(["leads", "show", str(waiting)], env)
    assert story["win"]["model_id"] == shown["id"] and 0 < story["win"]["probability"] < 1
    assert "win probability" in run(["leads", "show", str(waiting)], env).stdout
    with running_api(url) as api:
        lead = ok(api.as_role("manager").get(f"/leads/{waiting}"))
        assert lead["win"]["model_id"] == shown["id"] and lead["win"]["factors"]
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
    assert added["id"] in {x["id"] for x in listed}
    assert all(x["win_probability"] is not None for x in listed)
    before = _dump(tmp_path / "win.db")
    candidate = tmp_path / "high85.yaml"
    candidate.write_text("scoring:\n  priority:\n    high: 85\n", encoding="utf-8")
    since = (START - dt.timedelta(days=1)).date().isoformat()
    report = run(
        ["rules", "simulate", "--rules", str(candidate), "--since", since, "--format", "json"], env
    ).stdout
    assert '"leads": 100' in report
    assert _dump(tmp_path / "win.db") == before  # the replay wrote nothing
