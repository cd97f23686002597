"""Prefect defaults for this project, applied before Prefect is imported by our flows."""

from __future__ import annotations

import logging
import os
from pathlib import Path

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

# For a command someone waits for (`leadflow run`): a request to a server that went away
# is retried once, after about 2 s, not five times with doubling backoff (62 s a request).
# A run whose server was killed took 157 s to fail, paying that for each request it still
# made; with one retry it fails in about 10-15 s (two retries: 27 s measured under load,
# too near the 30 s promised in docs/reliability.md row 34). `serve` keeps Prefect's five,
# which ride out a short restart of its server.
# Its terminal shows LeadFlow's progress, result or one-line error, not Prefect's log
# lines: those go to a file (`log_runs_to`), as a dead server's run printed about 170
# lines of tracebacks (docs/reliability.md row 34). The console and debug handlers are
# Prefect's own logging config, set through its documented PREFECT_LOGGING_* overrides.
INTERACTIVE = {
    "PREFECT_CLIENT_MAX_RETRIES": "1",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_HANDLERS_DEBUG_LEVEL": "CRITICAL",
}


def configure_prefect(interactive: bool = False) -> None:
    """Set the defaults above (and the interactive ones, for a command someone waits for)
    unless the environment already chose otherwise."""
    for key, value in {**DEFAULTS, **(INTERACTIVE if interactive else {})}.items():
        os.environ.setdefault(key, value)


def server_running() -> bool:
    """Whether a Prefect API is configured (events are only emitted to a running server;
    without one the interval sweepers pick the work up)."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def log_runs_to(path: Path) -> Path:
    """Append Prefect's log lines (its internal services' included) to `path`, for a
    command whose terminal shows none of them; `logging.raiseExceptions` off, the standard
    library's production switch, so that a log handler that cannot reach a dead server
    says nothing on stderr either. Call it after Prefect has configured its logging."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s | %(levelname)-7s | %(name)s - %(message)s")
    )
    for name in ("prefect", "prefect._internal"):
        logging.getLogger(name).addHandler(handler)
    logging.raiseExceptions = False
    return path
