"""What the Prefect server knows of LeadFlow's deployments and runs, read over its REST API
(the public HTTP API, so any Prefect URL can be asked, with a timeout of our choosing)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from typing import Any

import httpx
from pydantic import BaseModel, Field

DEFAULT_URL = "http://127.0.0.1:4200/api"  # what `leadflow serve` starts by default
UNFINISHED = ("PENDING", "RUNNING", "CANCELLING")
PAGE = 200  # the Prefect API's largest page


class DeploymentRuns(BaseModel):
    """One deployment as Prefect has it: when it was first deployed, whether a runner
    serves it, its last completed run and its next scheduled one."""

    id: str
    created: dt.datetime
    updated: dt.datetime
    paused: bool
    status: str | None  # READY while a runner or worker polls for its runs
    last_polled: dt.datetime | None
    last_completed: dt.datetime | None
    next_scheduled: dt.datetime | None


class UnfinishedRun(BaseModel):
    """A flow run in Pending, Running or Cancelling, and since when."""

    id: str
    name: str
    deployment: str | None
    state: str
    state_type: str
    since: dt.datetime


class PrefectView(BaseModel):
    """What one look at the Prefect API found; `error` says why it could not be read."""

    url: str
    error: str | None = None
    deployments: dict[str, DeploymentRuns] = Field(default_factory=dict)
    unfinished: list[UnfinishedRun] = Field(default_factory=list)


def configured_url(explicit: str | None = None) -> str:
    """The Prefect API to ask: the one given, else PREFECT_API_URL, else serve's default."""
    return (explicit or os.environ.get("PREFECT_API_URL") or DEFAULT_URL).rstrip("/")


def _runs(client: httpx.Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.post("/flow_runs/filter", json=body)
    answer.raise_for_status()
    runs: list[dict[str, Any]] = answer.json()
    return runs


def _one_run(
    client: httpx.Client, deployment_id: str, state: str, sort: str, field: str
) -> dt.datetime | None:
    runs = _runs(
        client,
        {
            "deployments": {"id": {"any_": [deployment_id]}},
            "flow_runs": {"state": {"type": {"any_": [state]}}},
            "sort": sort,
            "limit": 1,
        },
    )
    value = runs[0][field] if runs else None
    return dt.datetime.fromisoformat(value) if value else None


def _deployment(client: httpx.Client, row: dict[str, Any]) -> DeploymentRuns:
    return DeploymentRuns.model_validate(
        {
            **row,
            "paused": bool(row.get("paused")),
            "last_completed": _one_run(client, row["id"], "COMPLETED", "END_TIME_DESC", "end_time"),
            "next_scheduled": _one_run(
                client, row["id"], "SCHEDULED", "EXPECTED_START_TIME_ASC", "expected_start_time"
            ),
        }
    )


def read_prefect(url: str, names: Iterable[str], timeout: float) -> PrefectView:
    """The deployments called `names` (with their last completed and next scheduled runs)
    and every unfinished flow run; a server that does not answer is named in `error`."""
    names = sorted(names)
    try:
        with httpx.Client(base_url=url, timeout=timeout) as client:
            client.get("/health").raise_for_status()
            found = client.post(
                "/deployments/filter",
                json={"deployments": {"name": {"any_": names}}, "limit": PAGE},
            )
            found.raise_for_status()
            rows = {row["name"]: row for row in found.json() if "leadflow" in row.get("tags", [])}
            deployments = {name: _deployment(client, row) for name, row in rows.items()}
            by_id = {d.id: name for name, d in deployments.items()}
            unfinished = _runs(
                client,
                {
                    "flow_runs": {"state": {"type": {"any_": list(UNFINISHED)}}},
                    "sort": "EXPECTED_START_TIME_ASC",
                    "limit": PAGE,
                },
            )
    except httpx.TransportError as exc:
        return PrefectView(url=url, error=f"no Prefect server answers at {url} ({exc})")
    except httpx.HTTPStatusError as exc:
        answer = exc.response
        error = f"the Prefect server at {url} answered {answer.status_code} to {answer.url.path}"
        return PrefectView(url=url, error=error)
    except (ValueError, KeyError) as exc:  # not a Prefect API (or not the version we know)
        return PrefectView(url=url, error=f"{url} does not answer as a Prefect API: {exc}")
    return PrefectView(
        url=url,
        deployments=deployments,
        unfinished=[
            UnfinishedRun.model_validate(
                {
                    **run,
                    "deployment": by_id.get(run.get("deployment_id") or ""),
                    "state": run["state_name"],
                    "since": run["state"]["timestamp"],
                }
            )
            for run in unfinished
        ],
    )
