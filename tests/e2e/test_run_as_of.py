"""`leadflow run NAME --at TIME`: a flow run as of a past time, as a user starts it; the
time is kept on the run (its as_of parameter, read back from the Prefect API), and a time
in the future, before the first lead, or not a time at all is refused before any run."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import httpx
import pytest

from leadflow.intake.receive import store_leads
from leadflow.local_server import free_port, start_server, stop_server
from leadflow.settings import get_rules
from leadflow.store.db import engine_for, session_factory
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.e2e.cli_harness import run, run_installed

ARRIVED = dt.datetime(2026, 8, 17, 9, tzinfo=dt.UTC)  # in 2026-Q3


def _leads_arrived(env: dict[str, str], at: dt.datetime, count: int = 3) -> None:
    """`count` leads stored in the CLI's database as having arrived at `at`."""
    url = env["LEADFLOW_DATABASE_URL"]
    with UnitOfWork(session_factory(url), actor="test") as uow:
        records = [f.lead_record() for _ in range(count)]
        store_leads(uow.session, enumerate(records, 1), "test", get_rules(), now=at)
        uow.commit()
    engine_for(url).dispose()


def test_a_future_at_is_refused_before_any_run(env):
    _leads_arrived(env, f.NOW)
    later = (f.wall_clock() + dt.timedelta(hours=2)).isoformat(timespec="minutes")
    # No PREFECT_API_URL: a run would start a Prefect server first; the refusal comes before.
    proc = run_installed(["run", "weekly-regrade", "--at", later], env, ok=False)
    assert proc.stderr.startswith("error: --at: ")
    assert "is later than now" in proc.stderr and "Prefect server" not in proc.stderr


@pytest.mark.parametrize(
    ("at", "says"),
    [
        ("2026-13-01", "--at: '2026-13-01' is not an ISO 8601 date or time"),
        ("last monday", "--at: 'last monday' is not an ISO 8601 date or time"),
        ("2026-08-16T23:00Z", "--at: 2026-08-16T23:00:00+00:00 is before the first lead"),
    ],
)
def test_an_at_that_is_no_time_or_before_the_first_lead_is_refused(env, at, says):
    _leads_arrived(env, ARRIVED)
    proc = run(["run", "pipeline-review", "--at", at], env, ok=False)
    assert says in proc.stderr


def test_as_of_is_given_with_at_not_as_a_param(env):
    proc = run(["run", "weekly-regrade", "--param", "as_of=2026-10-01"], env, ok=False)
    assert "--param as_of: give the time with --at" in proc.stderr


@pytest.fixture(scope="module")
def prefect_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Prefect server of this module's own, on a free port with a throwaway database."""
    database = tmp_path_factory.mktemp("prefect") / "prefect.db"
    port = free_port()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", f"sqlite+aiosqlite:///{database}")
        server = start_server(port, ui=False, services=False)
    try:
        yield f"http://127.0.0.1:{port}/api"
    finally:
        stop_server(server)


@pytest.mark.slow
def test_run_at_reviews_the_quarter_before_and_keeps_the_time_on_the_run(
    env, prefect_url, tmp_path
):
    _leads_arrived(env, ARRIVED)
    env = {**env, "PREFECT_API_URL": prefect_url}
    args = ["run", "pipeline-review", "--at", "2026-10-01T07:00Z", "--param", "kind=quarter"]
    out = json.loads(
        run_installed([*args, "--param", f"out={tmp_path}", "--json"], env, timeout=300).stdout
    )
    assert out["as_of"] == "2026-10-01T07:00:00+00:00"
    assert (out["result"]["period"], out["result"]["total_leads"]) == ("2026-Q3", 3)
    assert (tmp_path / "reviews" / "review-2026-Q3.html").is_file()
    runs = httpx.post(
        f"{prefect_url}/flow_runs/filter",
        json={"flow_runs": {"name": {"like_": "pipeline-review as of"}}, "limit": 5},
        timeout=30,
    ).json()
    (recorded,) = runs
    assert recorded["state_type"] == "COMPLETED"
    assert dt.datetime.fromisoformat(recorded["parameters"]["as_of"]) == dt.datetime(
        2026, 10, 1, 7, tzinfo=dt.UTC
    )
    assert recorded["name"] == "pipeline-review as of 2026-10-01 07:00 · 2026-Q3"
