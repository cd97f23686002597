"""`leadflow serve` and `leadflow run`: the Prefect side of the command line."""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import typer

from leadflow.bootstrap import ensure_schema
from leadflow.cli.output import JSON_OPTION, emit
from leadflow.cli.progress import steps
from leadflow.errors import InvalidInput
from leadflow.local_server import prefect_api, unreachable
from leadflow.phrases import N_
from leadflow.prefect_env import configure_prefect, log_runs_to
from leadflow.rules.clock import parse_as_of
from leadflow.run_clock import as_of_time, wall_clock
from leadflow.settings import get_settings

FLOW_NAMES = (
    "lead-intake",
    "follow-up-reminders",
    "weekly-regrade",
    "delivery-handoff",
    "pipeline-review",
    "send-notifications",
    "win-model",
    "rules-simulation",
)


def serve(
    port: int = typer.Option(
        4200, help="Port of the local Prefect server (and UI), when PREFECT_API_URL is not set."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Serve every flow with its schedules and event triggers.

    Without PREFECT_API_URL, a local Prefect server with its UI runs until this ends."""
    configure_prefect()
    # Ctrl-C and a service manager's SIGTERM both stop serving. A process started in the
    # background of a script inherits SIGINT ignored; serving must still stop on it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with prefect_api(port, ui=True, services=True, announce=not as_json) as swept:
        if as_json:  # one line a supervisor can read instead of the announcements
            served = {"serving": "flows", "flows": list(FLOW_NAMES), "crashed_runs_marked": swept}
            emit({**served, "prefect_api": os.environ.get("PREFECT_API_URL")}, True)
        elif swept:
            typer.echo(
                f"ended {len(swept)} flow run(s) a killed LeadFlow process had left "
                f"unfinished: {', '.join(swept)}",
                err=True,
            )
        from leadflow.deployments import serve_all

        serve_all()


def _params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(N_("--param {pair!r}: expected KEY=VALUE", pair=pair))
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def _as_of(at: str | None, params: dict[str, Any]) -> dict[str, Any]:
    """The flow's `as_of` parameter from --at, checked before any run starts (a refused
    time must not leave a failed run behind, nor page ops)."""
    if "as_of" in params:
        raise InvalidInput(N_("--param as_of: give the time with --at"), {"--at": "use --at"})
    if at is None:
        return {}
    when = parse_as_of(at, "--at")
    return {"as_of": as_of_time(when, wall_clock(), params.get("url"), "--at")}


def run(
    flow_name: str = typer.Argument(..., help=" | ".join(FLOW_NAMES)),
    param: list[str] = typer.Option([], "--param", help="KEY=VALUE (JSON values allowed)."),
    at: str | None = typer.Option(
        None,
        "--at",
        help="Run as of this past time instead of now, to backfill a missed run: ISO 8601, "
        "e.g. 2026-10-01T07:00Z (a time without a zone is UTC). Refused when later than now "
        "or before the first lead was created. Kept on the run as its as_of parameter.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run one flow now, or as of a past time (--at).

    Without PREFECT_API_URL, a local Prefect server runs until this ends, however it ends.

    Runs that killed LeadFlow commands left running are marked crashed first."""
    import httpx

    if flow_name not in FLOW_NAMES:
        raise InvalidInput(
            N_(
                "unknown flow {flow_name!r}; one of {flows}",
                flow_name=flow_name,
                flows=", ".join(FLOW_NAMES),
            )
        )
    params = _params(param)
    params.update(_as_of(at, params))
    # A database that refuses connections at the start is down, not restarting mid-run:
    # say so in one line now, before a server or a run starts (a run's tasks would retry
    # it for 26 s, docs/reliability.md row 34).
    ensure_schema(params.get("url") or get_settings().database_url)
    configure_prefect(interactive=True)
    with prefect_api(announce=not as_json) as swept:
        if swept and not as_json:
            typer.echo(
                f"marked {len(swept)} flow run(s) left running by a killed LeadFlow "
                f"command as crashed: {', '.join(swept)}",
                err=True,
            )
        from leadflow.deployments import FLOWS
        from leadflow.flows.common import watching

        log_runs_to(get_settings().output_dir / "prefect-runs.log")
        try:
            with steps(as_json, "", rated=False) as shown, watching(shown.watch):
                result = FLOWS[flow_name](**params)
        except httpx.TransportError as exc:  # the server went away during the run
            api = os.environ.get("PREFECT_API_URL", "")
            raise unreachable(api, exc, "stopped answering") from None
    data = result.model_dump(mode="json") if hasattr(result, "model_dump") else result
    emit(
        {
            "flow": flow_name,
            "as_of": params.get("as_of"),
            "result": data,
            "crashed_runs_marked": swept,
        },
        as_json,
    )
