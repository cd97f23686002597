"""Servers the bench starts on free loopback ports and always stops: the LeadFlow API,
a Prefect server, and `leadflow serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until(
    ready: Callable[[], bool],
    proc: subprocess.Popen[bytes],
    what: str,
    missing: str,
    timeout: float = 90,
    every: float = 0.2,
) -> None:
    """Poll `ready` until it holds; fail if the process exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited at start (code {proc.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} {missing} in {timeout:.0f} s")
        time.sleep(every)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


@contextmanager
def process(
    args: list[str], env: dict[str, str], log: Path, ready_url: str | None, what: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, logged to a file, ready when `ready_url` answers; stopped at the end."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            if ready_url:
                _wait_until(
                    lambda: _answers(ready_url), proc, what, f"did not answer at {ready_url}"
                )
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def leadflow_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a LeadFlow child on database `url`."""
    return {**os.environ, "LEADFLOW_DATABASE_URL": url, **extra}


@contextmanager
def api(url: str, log: Path, prefect_api: str = "", workers: int = 1, **env: str) -> Iterator[str]:
    """`leadflow api` on a free port, every worker started (with `env` set, LEADFLOW_*
    settings); yields its base URL."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "leadflow.cli.main",
        "api",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    base = f"http://127.0.0.1:{port}"
    with process(
        args,
        leadflow_env(url, PREFECT_API_URL=prefect_api, **env),
        log,
        f"{base}/docs",
        "leadflow api",
    ) as proc:
        # The first worker up answers /docs; the clients' connections must find them all.
        started = "Application startup complete"
        _wait_until(
            lambda: log.read_text(errors="replace").count(started) >= workers,
            proc,
            "leadflow api",
            f"did not log {started!r} {workers} times",
            every=0.1,
        )
        yield base


@contextmanager
def prefect_server(log: Path, database_url: str | None = None) -> Iterator[str]:
    """A Prefect server on a free port (or the one PREFECT_API_URL already names), on the
    given database or a SQLite file of its own."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():  # a server is configured already (a test harness, a team's)
        yield str(PREFECT_API_URL.value())
        return
    port = free_port()
    args = [
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
    # A database of its own: Prefect's default file in ~/.prefect is shared with every
    # other server on the machine and reports "database is locked" under load.
    if database_url is None:
        database = (log.parent / "prefect-server.db").resolve()
        database.unlink(missing_ok=True)
        database_url = f"sqlite+aiosqlite:///{database}"
    env = {
        **os.environ,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url,
    }
    url = f"http://127.0.0.1:{port}/api"
    with (
        process(args, env, log, f"{url}/health", "prefect server"),
        temporary_settings(updates={PREFECT_API_URL: url}),
    ):
        os.environ["PREFECT_API_URL"] = url  # for children started inside the block
        try:
            yield url
        finally:
            os.environ.pop("PREFECT_API_URL", None)
