"""`leadflow api`: serve the HTTP API with uvicorn."""

from __future__ import annotations

import typer

from leadflow.settings import get_settings


def api(
    host: str | None = typer.Option(None, help="Interface to listen on (default: api_host)."),
    port: int | None = typer.Option(None, help="Port (default: api_port)."),
    workers: int | None = typer.Option(
        None, min=1, help="Worker processes (default: api_workers). More than one uses more "
        "cores for parsing and validation; writes still take turns on SQLite."),
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) on the configured host and port."""
    import uvicorn

    from leadflow.api.app import create_app
    from leadflow.bootstrap import ensure_schema

    settings = get_settings()
    ensure_schema(settings.database_url)  # fail here, clearly, not on the first request
    host, port = host or settings.api_host, port or settings.api_port
    count = workers or settings.api_workers
    if count == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    else:  # each worker process builds the app from the same environment and config
        uvicorn.run("leadflow.api.app:create_app", factory=True, workers=count, host=host,
                    port=port, log_level="info")
