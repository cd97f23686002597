"""What the reliability tests share: a populated pipeline, the audit replay, and a worker
subprocess killed with SIGKILL at a chosen moment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, text

from leadflow.demo import generate, story
from leadflow.intake.receive import store_leads
from leadflow.rules.contact import phone_key
from leadflow.settings import get_rules
from leadflow.statemachines.lead import TRANSITIONS
from leadflow.store.db import engine_for, normalise_url, session_factory
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.conftest import _truncate

LEGAL = {
    (src, t["trigger"], t["dest"])
    for t in TRANSITIONS
    for src in ([t["source"]] if isinstance(t["source"], str) else t["source"])
}


def distinct_records(count: int, seed: int = 3) -> list[dict[str, Any]]:
    """`count` generated leads of `count` different people (the demo's twins and junk
    left out, emails made unique), so that every one is stored as a lead of its own."""
    phones: set[str] = set()
    records = []
    for rec in generate.lead_records(seed, count + count // 5, f.wall_clock().date()):
        if rec.get("need") and rec.get("external_id") and len(records) < count:
            rec["email"] = f"n{len(records)}.{rec['email']}"
            if phone_key(rec.get("phone")) in phones:
                rec.pop("phone")
            phones.add(phone_key(rec.get("phone")) or "")
            records.append(rec)
    return records


def pipeline(url: str, count: int, reps_per_team: int = 6) -> None:
    """An emptied database with a generated organisation and exactly `count` new leads (a
    SQLite file is the fixture's own empty copy: SQLite has no TRUNCATE)."""
    if not url.startswith("sqlite"):
        _truncate(url)
    with UnitOfWork(session_factory(url), actor="setup") as uow:
        story.create_organisation(uow.session, generate.organisation(3, reps_per_team))
        summary = store_leads(
            uow.session, enumerate(distinct_records(count), 1), "setup", get_rules()
        )
        uow.commit()
    assert summary.accepted == count, summary


def sql_count(url: str, sql: str) -> int:
    """The count a raw SQL query gives (for what no model maps: the server's own views)."""
    with engine_for(normalise_url(url)).connect() as conn:
        return int(conn.scalar(text(sql)) or 0)


def audit_by_lead(url: str) -> dict[int, list[tuple[str, str, str]]]:
    """Every lead's audit rows (from, to, trigger) in the order they were written."""
    rows: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    with engine_for(normalise_url(url)).connect() as conn:
        for lead_id, src, dst, trig in conn.execute(
            text("SELECT lead_id, from_state, to_state, trigger FROM lead_transitions ORDER BY id")
        ):
            rows[lead_id].append((src, dst, trig))
    return rows


def replay_matches(url: str) -> int:
    """Assert every lead's state is the replay of its audit rows, each a legal move;
    returns how many leads were checked."""
    audit = audit_by_lead(url)
    with UnitOfWork(session_factory(url)) as uow:
        states = dict(uow.session.execute(select(Lead.id, Lead.state)).tuples().all())
    for lead_id, state in states.items():
        current = "new"
        for src, dst, trig in audit.get(lead_id, []):
            assert src == current, f"lead {lead_id}: {src} does not follow {current}"
            assert (src, trig, dst) in LEGAL, f"lead {lead_id}: illegal {src}-{trig}->{dst}"
            current = dst
        assert current == state, f"lead {lead_id}: replay {current} != stored {state}"
    return len(states)


def kill_when(
    worker: str, url: str, ready: Callable[[], bool], *args: str, timeout: float = 120
) -> None:
    """Run `workers.<worker>(url, *args)` in a subprocess and SIGKILL it once `ready()`."""
    code = f"import sys; from tests.reliability import workers; workers.{worker}(*sys.argv[1:])"
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, url, *args],
            cwd=os.getcwd(),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        deadline = time.monotonic() + timeout
        try:
            while not ready():
                if proc.poll() is not None:
                    err.seek(0)
                    raise AssertionError(
                        f"{worker} ended before the kill (exit "
                        f"{proc.returncode}): {err.read()[-2000:]!r}"
                    )
                assert time.monotonic() < deadline, f"{worker}: the moment never came"
                time.sleep(0.05)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
