"""Servers the bench starts on free loopback ports and always stops: the LeadFlow API,
a Prefect server, and `leadflow serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited at start (code {proc.returncode})")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer at {url} in {timeout:.0f} s")


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path, ready_url: str | None,
            what: str) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, logged to a file, ready when `ready_url` answers; stopped at the end."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            if ready_url:
                _wait(ready_url, proc, what)
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
def api(url: str, log: Path, prefect_api: str = "", workers: int = 1) -> Iterator[str]:
    """`leadflow api` on a free port, every worker started; yields its base URL."""
    port = free_port()
    args = [sys.executable, "-m", "leadflow.cli.main", "api", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers)]
    base = f"http://127.0.0.1:{port}"
    with process(args, leadflow_env(url, PREFECT_API_URL=prefect_api), log,
                 f"{base}/docs", "leadflow api") as proc:
        # The first worker up answers /docs; the clients' connections must find them all.
        _wait_logged(log, "Application startup complete", workers, proc, "leadflow api")
        yield base


def _wait_logged(log: Path, text: str, times: int, proc: subprocess.Popen[bytes], what: str,
                 timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count(text) < times:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited at start (code {proc.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: {text!r} not logged {times} times in {timeout:.0f} s")
        time.sleep(0.1)


@contextmanager
def prefect_server(log: Path, database_url: str | None = None) -> Iterator[str]:
    """A Prefect server on a free port (or the one PREFECT_API_URL already names), on the
    given database or a SQLite file of its own."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():  # a server is configured already (a test harness, a team's)
        yield str(PREFECT_API_URL.value())
        return
    port = free_port()
    args = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
            "--port", str(port)]
    # A database of its own: Prefect's default file in ~/.prefect is shared with every
    # other server on the machine and reports "database is locked" under load.
    if database_url is None:
        database = (log.parent / "prefect-server.db").resolve()
        database.unlink(missing_ok=True)
        database_url = f"sqlite+aiosqlite:///{database}"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "PREFECT_UI_ENABLED": "false", "PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url}
    url = f"http://127.0.0.1:{port}/api"
    with process(args, env, log, f"{url}/health", "prefect server"), \
            temporary_settings(updates={PREFECT_API_URL: url}):
        os.environ["PREFECT_API_URL"] = url  # for children started inside the block
        try:
            yield url
        finally:
            os.environ.pop("PREFECT_API_URL", None)
