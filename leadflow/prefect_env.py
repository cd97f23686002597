"""Prefect defaults for this project, applied before Prefect is imported by our flows."""

from __future__ import annotations

import os

# No internet here and no wish to phone home: telemetry off, banners off. The runner
# polls every second, not every ten: measured event -> flow start 2.4-2.7 s instead of 8-10 s.
DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    # The embedded server's start took over Prefect's default 20 s on this 2-core machine
    # under load (two demo runs failed "Timed out while attempting to connect").
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def configure_prefect() -> None:
    """Set the defaults above unless the environment already chose otherwise."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)


def server_running() -> bool:
    """Whether a Prefect API is configured (events are only emitted to a running server;
    without one the interval sweepers pick the work up)."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())
