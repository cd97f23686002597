"""The database goes away mid-flow (a proxy cut, and a real PostgreSQL server stopped
with -m immediate and started again): the chunk task retries with backoff and the run
completes without loss; with the database gone for good, the run fails clearly and a
rerun finishes the work."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from leadflow.demo import generate, story
from leadflow.flows.intake import lead_intake
from leadflow.intake.receive import store_leads
from leadflow.settings import get_rules
from leadflow.store.db import engine_for, normalise_url, session_factory
from leadflow.store.migrate import upgrade
from leadflow.store.models import Lead, TransitionAudit
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests import privatepg
from tests.conftest import _truncate, needs_pg
from tests.flows.conftest import api
from tests.privatepg import PrivateCluster
from tests.tcpproxy import Proxy

pytestmark = [needs_pg, pytest.mark.postgres, pytest.mark.reliability]


@pytest.fixture
def proxied(pg_migrated):
    """The test PostgreSQL database behind a proxy the test can cut."""
    _truncate(pg_migrated)
    host_port = pg_migrated.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    proxy = Proxy((host, int(port)))
    proxy.start()
    url = pg_migrated.replace(host_port, f"127.0.0.1:{proxy.port}")
    _populate(url)
    yield proxy, url
    proxy.cut()


def _populate(url: str) -> None:
    with UnitOfWork(session_factory(url), actor="setup") as uow:
        story.create_organisation(uow.session, generate.organisation(5))
        records = generate.lead_records(5, 4000, f.wall_clock().date())
        store_leads(uow.session, enumerate(records, 1), "setup", get_rules())
        uow.commit()


def _task_runs(state: Any) -> list[dict[str, Any]]:
    runs = api(
        "/task_runs/filter",
        {
            "flow_runs": {"id": {"any_": [str(state.state_details.flow_run_id)]}},
            "limit": 200,
            "offset": 0,
            "sort": "EXPECTED_START_TIME_ASC",
        },
    )
    assert isinstance(runs, list)
    return runs


def _counts(url: str) -> tuple[int, int, int]:
    with UnitOfWork(session_factory(url)) as uow:
        s = uow.session
        return (
            s.scalar(select(func.count()).where(Lead.state == "new")) or 0,
            s.scalar(select(func.count()).select_from(Lead)) or 0,
            s.scalar(
                select(func.count())
                .select_from(TransitionAudit)
                .where(TransitionAudit.from_state == "new")
            )
            or 0,
        )


def _intake_through_outage(url: str, down: Callable[[], None], up: Callable[[], None]) -> None:
    """Run the intake flow while the database goes down after the first committed chunk
    and comes back 3 s later (longer than the first retry delay); it must complete,
    having retried, with every lead processed once."""

    def outage() -> None:
        while _counts(url)[0] == _counts(url)[1]:
            time.sleep(0.05)
        down()
        time.sleep(3)
        up()

    thread = threading.Thread(target=outage)
    thread.start()
    state = lead_intake(chunk_size=500, url=url, return_state=True)
    thread.join()
    assert state.is_completed(), state.message
    new, total, firsts = _counts(url)
    assert new == 0 and firsts == total == state.result().processed
    assert any(r["run_count"] > 1 for r in _task_runs(state)), "retried through the outage"


def test_outage_mid_flow_is_retried_and_nothing_is_lost(proxied):
    proxy, url = proxied
    _intake_through_outage(url, proxy.cut, proxy.start)


def test_database_gone_for_good_fails_clearly_then_rerun_finishes(proxied):
    proxy, url = proxied
    proxy.cut()
    state = lead_intake(chunk_size=500, url=url, return_state=True)
    assert state.is_failed()
    assert "connection" in str(state.message).lower() or "operational" in str(state.message).lower()
    proxy.start()
    lead_intake(chunk_size=500, url=url)
    new, total, firsts = _counts(url)
    assert new == 0 and firsts == total


@pytest.fixture
def private_pg() -> Iterator[tuple[PrivateCluster, str]]:
    """A PostgreSQL cluster of this test's own, migrated and populated, removed after."""
    why = privatepg.available()
    if why:
        pytest.skip(why)
    cluster = PrivateCluster()
    try:
        cluster.start()
        upgrade(cluster.url)
        _populate(cluster.url)
        yield cluster, cluster.url
    finally:
        engine_for(normalise_url(cluster.url)).dispose()
        cluster.remove()


def test_a_real_postgres_stop_mid_flow_is_retried_and_nothing_is_lost(private_pg):
    cluster, url = private_pg
    _intake_through_outage(url, cluster.stop, cluster.start)  # stop -m immediate: a crash
