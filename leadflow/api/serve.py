"""Serving the API with plain uvicorn: one process, or on PostgreSQL several worker
processes under uvicorn's own supervisor.

Several workers are refused on SQLite. A SQLite file has one writer at a time, so a second
worker adds no write capacity: its requests would only wait for the first one's, through
SQLite's busy handler, which polls with sleeps of up to 100 ms and lets newcomers overtake
(measured: 8 clients on two workers saw p99 2-3 s before a custom lock was added, which
issue 18 removed). One worker serves far beyond any web form's traffic (bench/README.md:
the SQLite target is 1.5k leads/s from one worker). PostgreSQL takes writers side by side,
so there each worker adds cores.

uvicorn's supervisor does not take its workers down when it is killed with SIGKILL: they
kept serving the port, and a restart failed with "Address already in use" (issue 30). So
with several workers `leadflow api` runs the supervisor under `leadflow.lifeline` and
waits; whatever ends this command ends the supervisor's whole process group with it."""

from __future__ import annotations

import signal
import socket
import sys
from types import FrameType

import uvicorn

from leadflow.api.access_log import log_config
from leadflow.errors import InvalidInput, LeadFlowError
from leadflow.lifeline import guarded, release
from leadflow.phrases import N_
from leadflow.settings import Settings
from leadflow.store.db import normalise_url

APP = "leadflow.api.app:create_app"
HEALTHCHECK_SECONDS = 30


class PortTaken(LeadFlowError):
    """The address is already served by something else."""


def _refuse_taken_port(host: str, port: int) -> None:
    """Refuse in one line a port something already listens on (uvicorn would log the
    bind error and exit, or with workers start a supervisor first)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortTaken(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def check_workers(database_url: str, workers: int) -> None:
    """Refuse more than one worker on SQLite, in one line that says why."""
    if workers > 1 and not normalise_url(database_url).startswith("postgresql"):
        raise InvalidInput(
            N_(
                "--workers {workers}: several API workers need PostgreSQL; a SQLite "
                "database has one writer, so serve it with one worker (the default)",
                workers=workers,
            ),
            {"workers": "more than 1 needs PostgreSQL"},
        )


def serve(settings: Settings, host: str, port: int, workers: int) -> int:
    """Serve the API until stopped: in this process, or in `workers` worker processes
    under a lifeline (see the module). Returns the exit code."""
    check_workers(settings.database_url, workers)
    _refuse_taken_port(host, port)
    if workers == 1:
        from leadflow.api.app import create_app

        uvicorn.run(
            create_app(settings), host=host, port=port, log_level="info", log_config=log_config()
        )
        return 0
    # The workers build the app from this process's environment and config files.
    guard = guarded([sys.executable, "-m", "leadflow.api.serve", host, str(port), str(workers)])

    def stop(_signum: int, _frame: FrameType | None) -> None:
        if guard.stdin is not None:
            guard.stdin.close()  # the lifeline stops the supervisor and its workers

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    try:
        return guard.wait()
    finally:
        release(guard)


def supervise(host: str, port: int, workers: int) -> None:
    """uvicorn's supervisor and `workers` worker processes, each building the app."""
    # uvicorn's supervisor kills a worker that does not answer its health check in time (5 s
    # by default); on a busy 2-core machine a starting worker's imports took longer, and
    # workers were killed and restarted before they served (seen in the bench's logs).
    uvicorn.run(
        APP,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        log_config=log_config(),
        timeout_worker_healthcheck=HEALTHCHECK_SECONDS,
    )


if __name__ == "__main__":
    supervise(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
