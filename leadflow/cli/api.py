"""`leadflow api`: serve the HTTP API with uvicorn."""

from __future__ import annotations

import typer

from leadflow.settings import get_settings


def api(
    host: str | None = typer.Option(None, help="Interface to listen on (default: api_host)."),
    port: int | None = typer.Option(None, help="Port (default: api_port)."),
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) on the configured host and port."""
    import uvicorn

    from leadflow.api.app import create_app
    from leadflow.bootstrap import ensure_schema

    settings = get_settings()
    ensure_schema(settings.database_url)  # fail here, clearly, not on the first request
    uvicorn.run(create_app(settings), host=host or settings.api_host,
                port=port or settings.api_port, log_level="info")
