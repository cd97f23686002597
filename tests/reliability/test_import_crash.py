"""Replays are idempotent (issue 30 item 7): `leadflow leads import` killed with SIGKILL,
while its transaction is open or after its commit while intake runs, then run again on
the same file: every row is stored once, with one touch and one notice for each repeat of
a known person, and no more."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leadflow.intake.pending import process_pending
from leadflow.rules.vocab import OPEN_STATES
from leadflow.settings import get_settings
from leadflow.sheets.files import open_leads
from leadflow.sheets.imports import import_file
from leadflow.store.db import session_factory
from leadflow.store.deal_models import Touch
from leadflow.store.models import Lead
from leadflow.store.outbound_models import ImportRowKey, OutboxMessage
from leadflow.store.uow import UnitOfWork
from tests.conftest import needs_pg
from tests.reliability.helpers import kill_when, pipeline, sql_count

pytestmark = [pytest.mark.reliability, pytest.mark.slow]
_IMPORT = "import sys; from tests.reliability import workers; workers.leads_import(*sys.argv[1:])"
_WAITING = (
    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE NOT l.granted AND a.datname = current_database()"
)
KNOWN = 150  # leads stored and assigned before the import
REPEATS = 100  # rows of the file that are known people getting in touch again
NEW = 1500  # rows of new people: enough chunks for the kill to land inside the import


def _count(url: str, *where: object, model: type = Lead) -> int:
    with UnitOfWork(session_factory(url)) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _lead_file(url: str, path: Path) -> Path:
    """A register of REPEATS rows of assigned leads and NEW rows of new people, none with
    an external id."""
    with UnitOfWork(session_factory(url)) as uow:
        known = uow.session.execute(
            select(Lead.company_name, Lead.contact_name, Lead.email)
            .where(Lead.owner_id.is_not(None), Lead.state.in_([s.value for s in OPEN_STATES]))
            .order_by(Lead.id)
            .limit(REPEATS)
        ).all()
    assert len(known) == REPEATS, "the setup should assign enough leads"
    rows = [
        ["referral", company, contact, email, "another inquiry"]
        for company, contact, email in known
    ]
    rows += [
        ["website_form", f"Newco {n} Ltd", f"New {n}", f"new{n}@newco{n}.example", "crm"]
        for n in range(NEW)
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [["source", "company_name", "contact_name", "email", "need"], *rows]
        )
    return path


def _writing(url: str) -> bool:
    """A write transaction is open on the database (seen from another connection)."""
    if url.startswith("sqlite"):
        probe = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError:  # "database is locked": the importer writes
            return True
        finally:
            probe.close()
    return bool(
        sql_count(
            url,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
        )
    )


@pytest.mark.parametrize("moment", ["in its transaction", "after its commit, in intake"])
def test_an_import_killed_then_run_again_stores_each_row_once(
    db_url, moment, monkeypatch, tmp_path
):
    url = db_url
    monkeypatch.setenv("LEADFLOW_IMPORTS__CHUNK_ROWS", "100")
    monkeypatch.setenv("LEADFLOW_CHUNK_SIZE", "100")
    get_settings.cache_clear()
    pipeline(url, KNOWN)
    process_pending(url)
    get_settings.cache_clear()
    path = _lead_file(url, tmp_path / "register.csv")
    before = {"touches": _count(url, model=Touch), "notices": _inquiries(url)}

    if moment == "in its transaction":
        ready = lambda: _writing(url) and _count(url) == KNOWN  # noqa: E731
    else:  # committed: every row's lead is there, and intake has begun on them
        ready = lambda: _count(url) == KNOWN + NEW and _count(url, Lead.state == "new") < NEW  # noqa: E731
    kill_when("leads_import", url, ready, str(path))
    killed = _count(url)
    assert killed == (KNOWN if moment == "in its transaction" else KNOWN + NEW)

    rerun = subprocess.run(
        [sys.executable, "-c", _IMPORT, url, str(path)], capture_output=True, text=True, check=False
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    replayed = 0 if moment == "in its transaction" else REPEATS + NEW
    assert f'"replayed": {replayed}' in rerun.stdout

    assert _count(url) == KNOWN + NEW  # each new person once
    assert _count(url, model=ImportRowKey) == REPEATS + NEW  # each row kept once
    assert _count(url, model=Touch) == before["touches"] + REPEATS  # each repeat touches once
    assert _inquiries(url) == before["notices"] + REPEATS  # and its owner is told once
    assert _count(url, Lead.state == "new") == 0  # intake finished on the re-run


@needs_pg
@pytest.mark.postgres
def test_two_imports_of_one_file_at_once_store_each_row_once(pg_migrated, rules, tmp_path):
    """The second import waits on the first's rows and, once the first commits, loses its
    version check or its row keys: it runs again as the second and skips every row."""
    url = pg_migrated
    pipeline(url, KNOWN)
    process_pending(url)
    path = _lead_file(url, tmp_path / "register.csv")
    before = {"touches": _count(url, model=Touch), "notices": _inquiries(url)}
    with UnitOfWork(session_factory(url), actor="first") as first:
        import_file(
            first.session, open_leads(path), "import register.csv", rules, chunk_rows=500, shown=0
        )
        second = subprocess.Popen(
            [sys.executable, "-c", _IMPORT, url, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while not sql_count(url, _WAITING):  # the second waits for the first's rows
            assert second.poll() is None, second.communicate()
            assert time.monotonic() < deadline, "the second import never waited"
            time.sleep(0.05)
        first.commit()
    out, err = second.communicate(timeout=240)
    assert second.returncode == 0, err[-2000:]
    assert f'"replayed": {REPEATS + NEW}' in out
    assert _count(url) == KNOWN + NEW
    assert _count(url, model=ImportRowKey) == REPEATS + NEW
    assert _count(url, model=Touch) == before["touches"] + REPEATS
    assert _inquiries(url) == before["notices"] + REPEATS


def _inquiries(url: str) -> int:
    return _count(url, OutboxMessage.kind == "inquiry", model=OutboxMessage)
