"""`leadflow api`: serve the HTTP API with uvicorn."""

from __future__ import annotations

import typer

from leadflow.cli.output import JSON_OPTION, emit
from leadflow.settings import get_settings


def api(
    host: str | None = typer.Option(None, help="Interface to listen on (default: api_host)."),
    port: int | None = typer.Option(None, help="Port (default: api_port)."),
    workers: int | None = typer.Option(
        None,
        min=1,
        help="Worker processes (default: api_workers). More than one needs "
        "PostgreSQL, which takes writers side by side; a SQLite database has one writer, "
        "so it is served by one worker and more are refused.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) on the configured host and port."""
    from leadflow.api.serve import check_workers, serve
    from leadflow.bootstrap import ensure_schema

    settings = get_settings()
    workers = workers or settings.api_workers
    check_workers(settings.database_url, workers)  # before anything is touched
    ensure_schema(settings.database_url)  # fail here, clearly, not on the first request
    host, port = host or settings.api_host, port or settings.api_port
    if as_json:  # one line a supervisor can read; uvicorn's own log goes to stderr
        emit({"serving": "api", "url": f"http://{host}:{port}", "workers": workers}, True)
    code = serve(settings, host, port, workers)
    if code:
        raise typer.Exit(code)
