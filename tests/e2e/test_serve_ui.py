"""`leadflow serve --port N`: the UI on port N talks to the API on port N.

Prefect's UI asks the server's /ui-settings where the API is; unless the server process is
told (PREFECT_UI_API_URL), it answers port 4200 and the UI shows "Can't connect"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_review_browser import chromium  # noqa: F401  (the fixture)
from tests.mailserver import free_port

pytestmark = pytest.mark.slow


def _wait_for(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
            if found:
                return found
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`leadflow serve --port N` as a user runs it, in its own process group."""
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **os.environ,
        "LEADFLOW_DATABASE_URL": f"sqlite:///{tmp / 'serve.db'}",
        "LEADFLOW_LOG_FILE": str(tmp / "errors.log"),
        "PREFECT_API_URL": "",
        "PREFECT_HOME": str(tmp / "prefect"),
    }
    env.pop("PREFECT_API_URL")
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadflow.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def deployments() -> bool:
            answer = httpx.post(
                f"http://127.0.0.1:{port}/api/deployments/filter", json={}, timeout=5
            )
            return answer.status_code == 200 and len(answer.json()) >= 6

        _wait_for(deployments, 150, "the served deployments")
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # serve stops its server on the way out
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_ui_settings_name_the_served_port(served: int) -> None:
    settings = httpx.get(f"http://127.0.0.1:{served}/ui-settings", timeout=10).json()
    assert settings["api_url"] == f"http://127.0.0.1:{served}/api"


def test_the_ui_shows_the_deployments(
    served: int,
    chromium: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    page = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--window-size=1500,1000",
            "--virtual-time-budget=20000",
            "--dump-dom",
            f"http://127.0.0.1:{served}/deployments",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    ).stdout
    assert "Can't connect" not in page
    for name in ("lead-intake", "follow-up-reminders", "send-notifications"):
        assert name in page, f"{name} not on the UI's deployments page"
