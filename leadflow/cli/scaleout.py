"""`leadflow deploy` and `leadflow worker`: run the flows on a Prefect process work pool."""

from __future__ import annotations

import os
import sys

import typer

from leadflow.cli.output import JSON_OPTION, emit
from leadflow.errors import LeadFlowError
from leadflow.prefect_env import configure_prefect, server_running
from leadflow.settings import get_settings

# A worker asks for scheduled runs every 10 s by default; 2 s keeps a fanned-out run's
# children from idling (one small query per worker every 2 s is nothing for the server).
WORKER_DEFAULTS = {"PREFECT_WORKER_QUERY_SECONDS": "2"}


def _pool(pool: str | None) -> str:
    return pool or get_settings().scaleout.work_pool


def deploy(
    pool: str | None = typer.Option(
        None,
        help="Process work pool (default: the scaleout."
        "work_pool setting, 'leadflow'); created if missing.",
    ),
    fan_out: int | None = typer.Option(
        None,
        min=0,
        max=64,
        help="Child runs a large intake or re-grade splits into (default: scaleout.fan_out).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Register every deployment, with its schedules and triggers, to a process work pool.

    Needs PREFECT_API_URL pointing at a Prefect server."""
    configure_prefect()
    if not server_running():
        raise LeadFlowError(
            "PREFECT_API_URL is not set: point it at the Prefect server the "
            "workers use (e.g. http://prefect.internal:4200/api)"
        )
    from leadflow.deployments import deploy_all

    name = _pool(pool)
    fan = get_settings().scaleout.fan_out if fan_out is None else fan_out
    names = deploy_all(name, fan)
    emit(
        {"work_pool": name, "fan_out": fan, "deployments": names},
        as_json,
        f"{len(names)} deployments on work pool {name!r} (fan-out {fan}):\n  "
        + "\n  ".join(names)
        + f"\nstart workers with: leadflow worker --pool {name}",
    )


def worker(
    pool: str | None = typer.Option(None, help="Work pool to poll (default: scaleout.work_pool)."),
    name: str | None = typer.Option(None, help="This worker's name (shown in the UI)."),
    limit: int | None = typer.Option(None, min=1, help="Most flow runs at once."),
    work_queue: list[str] = typer.Option([], help="Only these work queues (repeatable)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Start a Prefect process worker on the pool: `prefect worker start --type process`."""
    configure_prefect()
    for key, value in WORKER_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if not server_running():
        raise LeadFlowError("PREFECT_API_URL is not set: point it at the Prefect server")
    args = [
        sys.executable,
        "-m",
        "prefect",
        "worker",
        "start",
        "--pool",
        _pool(pool),
        "--type",
        "process",
    ]
    if name:
        args += ["--name", name]
    if limit:
        args += ["--limit", str(limit)]
    for queue in work_queue:
        args += ["--work-queue", queue]
    if as_json:  # the worker that replaces this process logs as Prefect does
        emit({"worker": args[args.index("--pool") + 1], "command": args[1:]}, True)
    sys.stdout.flush()
    os.execv(sys.executable, args)  # the worker replaces this process: signals reach it
