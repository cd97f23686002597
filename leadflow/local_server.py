"""The Prefect API for a command: PREFECT_API_URL when set, else a local Prefect server
that lives exactly as long as the command (`leadflow run`, `demo`, `serve`).

Prefect's own embedded server is a subprocess that outlives a killed parent (it stayed up,
listening, after a SIGKILL). The local server here runs under `leadflow.lifeline`, which
ends it when this process ends in any way. Flow runs started here are tagged with this
process; a run such a process left RUNNING when it was killed is marked Crashed by the
next command's sweep."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from leadflow.errors import LeadFlowError
from leadflow.lifeline import guarded, release
from leadflow.ops.server_log import SERVER_LOG_DATEFMT, open_server_log
from leadflow.settings import get_settings

HOST_TAG = "leadflow-host:" + socket.gethostname()
PROCESS_TAG = "leadflow-process:"
SWEPT_AT_ONCE = 200  # runs per sweep (the Prefect API's page); the next command takes more
# A Prefect server answers /health in milliseconds; one under load within a few seconds.
HEALTH_SECONDS = 10


class PrefectUnreachable(LeadFlowError):
    """The Prefect API a command is to use does not answer."""


def unreachable(api: str, exc: Exception, what: str = "does not answer") -> PrefectUnreachable:
    """The one line that tells a user the Prefect API at `api` does not answer."""
    return PrefectUnreachable(
        f"the Prefect API at {api} {what} ({exc or exc.__class__.__name__}): "
        "start its server, or unset PREFECT_API_URL to run a local one"
    )


def check_reachable(api: str) -> None:
    """Refuse a configured Prefect API that does not answer, before any run starts: one
    request, no retries (once Prefect's client has connected, it retries a lost server)."""
    import httpx

    try:
        httpx.get(f"{api.rstrip('/')}/health", timeout=HEALTH_SECONDS)
    except httpx.TransportError as exc:
        raise unreachable(api, exc) from None


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _started(pid: int) -> str:
    """When a process started (clock ticks since boot, Linux), or '' where unknown: with
    the pid it names a process even after the pid is reused."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def process_tag(pid: int | None = None) -> str:
    """The tag naming this process (or `pid`) on this host."""
    pid = pid or os.getpid()
    return f"{PROCESS_TAG}{socket.gethostname()}:{pid}:{_started(pid)}"


def alive(tag: str) -> bool:
    """Whether the process a tag names still runs."""
    _host, pid, started = tag.removeprefix(PROCESS_TAG).rsplit(":", 2)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _started(int(pid)) == started


def start_server(
    port: int, ui: bool, services: bool, timeout: float = 120, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `prefect server start` on loopback under a lifeline; wait until it answers.
    Its output is appended to `log` (`leadflow status` reads it), else discarded."""
    import httpx

    command = [
        sys.executable,
        "-m",
        "prefect",
        "server",
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    command += [] if ui else ["--no-ui"]
    command += [] if services else ["--no-services"]
    # The UI asks the server's /ui-settings where the API is: its own port, not 4200.
    env = {
        **os.environ,
        "PREFECT_API_URL": "",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
        # Prefect's log lines carry the time of day only; the date and offset let
        # `leadflow status` tell the last minutes' errors from last week's.
        "PREFECT_LOGGING_FORMATTERS_STANDARD_DATEFMT": SERVER_LOG_DATEFMT,
    }
    with open_server_log(log, port) as output:
        guard = guarded(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if guard.poll() is not None:
            raise LeadFlowError(
                f"the Prefect server exited at start (code "
                f"{guard.returncode}); is port {port} free?"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return guard
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    stop_server(guard)
    raise LeadFlowError(f"the Prefect server did not answer on port {port} in {timeout:.0f} s")


def stop_server(guard: subprocess.Popen[bytes]) -> None:
    """End the server: closing the lifeline's input is the signal."""
    release(guard)


@contextmanager
def prefect_api(
    port: int | None = None, ui: bool = False, services: bool = False, announce: bool = False
) -> Iterator[list[str]]:
    """Use PREFECT_API_URL, or start a local server for the block; sweep the runs killed
    processes left running, and tag the block's runs with this process. Yields the ids of
    the runs marked Crashed."""
    guard = None
    if os.environ.get("PREFECT_API_URL"):
        check_reachable(os.environ["PREFECT_API_URL"])
    else:
        port = port or free_port()
        log = get_settings().server_log()
        guard = start_server(port, ui, services, log=log)
        os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
        os.environ.setdefault("PREFECT_UI_URL", f"http://127.0.0.1:{port}")  # run links
        if announce:
            print(
                f"Prefect server{' and UI' if ui else ''}: http://127.0.0.1:{port} "
                f"(its log: {log})",
                file=sys.stderr,
                flush=True,
            )
    try:
        from prefect import tags

        swept = sweep_crashed_runs()
        with tags(HOST_TAG, process_tag()):
            yield swept
    finally:
        if guard is not None:
            _deliver_pending()
            stop_server(guard)
            os.environ.pop("PREFECT_API_URL", None)


def _deliver_pending() -> None:
    """Send the logs and events still queued for the server before it stops (Prefect sends
    them at exit otherwise, and reports that it cannot reach a server that is gone)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    EventsWorker.drain_all(timeout=5)


def sweep_crashed_runs() -> list[str]:
    """End the flow runs (and their task runs) that LeadFlow processes of this host left
    pending, running or cancelling when they were killed: Crashed, or Cancelled for a run
    that was being cancelled, with the reason. Ending a run releases its deployment
    concurrency slot (Prefect does so on any move out of those states). Returns the ids."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
        FlowRunFilterTags,
        TaskRunFilter,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort, TaskRunSort
    from prefect.states import Cancelled, Crashed

    unfinished = [StateType.RUNNING, StateType.PENDING, StateType.CANCELLING]
    swept: list[UUID] = []
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=unfinished)),
                tags=FlowRunFilterTags(all_=[HOST_TAG]),
            ),
            sort=FlowRunSort.ID_DESC,
            limit=SWEPT_AT_ONCE,
        )
        for run in runs:
            owner = next((t for t in run.tags if t.startswith(PROCESS_TAG)), None)
            if owner is None or alive(owner):
                continue
            message = f"the LeadFlow process that ran it ({owner}) was killed"
            end = Cancelled if run.state_type == StateType.CANCELLING else Crashed
            client.set_flow_run_state(run.id, end(message=message), force=True)
            swept.append(run.id)
        if swept:
            tasks = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=swept)),
                task_run_filter=TaskRunFilter(
                    state=TaskRunFilterState(type=TaskRunFilterStateType(any_=unfinished))
                ),
                sort=TaskRunSort.ID_DESC,
                limit=SWEPT_AT_ONCE,
            )
            for task in tasks:
                client.set_task_run_state(
                    task.id, Crashed(message="its flow run crashed"), force=True
                )
    return [str(run_id) for run_id in swept]
