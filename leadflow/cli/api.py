"""`leadflow api`: serve the HTTP API with uvicorn."""

from __future__ import annotations

import typer

from leadflow.settings import get_settings


def api(
    host: str | None = typer.Option(None, help="Interface to listen on (default: api_host)."),
    port: int | None = typer.Option(None, help="Port (default: api_port)."),
    workers: int | None = typer.Option(
        None, min=1, help="Worker processes (default: api_workers). More than one uses more "
        "cores for parsing and validation; writes still take turns on SQLite. On Linux "
        "each worker listens on a socket of its own, so connections spread over them."),
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) on the configured host and port."""
    from leadflow.api.serve import serve
    from leadflow.bootstrap import ensure_schema

    settings = get_settings()
    ensure_schema(settings.database_url)  # fail here, clearly, not on the first request
    host, port = host or settings.api_host, port or settings.api_port
    # Several workers each build the app from the same environment and config.
    serve(settings, host, port, workers or settings.api_workers)
