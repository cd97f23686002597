"""`leadflow serve` and `leadflow run`: the Prefect side of the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import typer

from leadflow.cli.output import JSON_OPTION, emit
from leadflow.errors import InvalidInput, LeadFlowError
from leadflow.prefect_env import configure_prefect

FLOW_NAMES = ("lead-intake", "follow-up-reminders", "weekly-regrade", "delivery-handoff",
              "pipeline-review", "send-notifications")


def start_local_server(port: int, timeout: float = 90) -> subprocess.Popen[bytes]:
    """Start `prefect server start` on loopback and wait until its API answers.

    The UI asks the server's /ui-settings where the API is, and the server answers port
    4200 whatever port it listens on unless PREFECT_UI_API_URL is set for it."""
    import httpx

    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PREFECT_API_URL": "",
             "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
             "PREFECT_UI_URL": f"http://127.0.0.1:{port}"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LeadFlowError(f"the Prefect server exited at start (code {proc.returncode}); "
                                f"is port {port} free?")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise LeadFlowError(f"the Prefect server did not answer on port {port} in {timeout:.0f} s")


def serve(port: int = typer.Option(4200, help="Port of the local Prefect server (and UI), "
                                   "when PREFECT_API_URL is not set.")) -> None:
    """Serve every flow with its schedules and event triggers.

    Starts a local Prefect server with its UI when PREFECT_API_URL is unset."""
    configure_prefect()
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = start_local_server(port)
        os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
        os.environ.setdefault("PREFECT_UI_URL", f"http://127.0.0.1:{port}")  # run links
        typer.echo(f"Prefect server and UI: http://127.0.0.1:{port}")
    try:
        from leadflow.flows.deployments import serve_all

        serve_all()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def _params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(f"--param {pair!r}: expected KEY=VALUE")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def run(
    flow_name: str = typer.Argument(..., help=" | ".join(FLOW_NAMES)),
    param: list[str] = typer.Option([], "--param", help="KEY=VALUE (JSON values allowed)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run one flow now (against PREFECT_API_URL, or Prefect's embedded server)."""
    if flow_name not in FLOW_NAMES:
        raise InvalidInput(f"unknown flow {flow_name!r}; one of {', '.join(FLOW_NAMES)}")
    configure_prefect()
    from leadflow.flows.deployments import FLOWS

    result = FLOWS[flow_name](**_params(param))
    data = result.model_dump(mode="json") if hasattr(result, "model_dump") else result
    emit({"flow": flow_name, "result": data}, as_json)
