"""The HTTP API: `create_app(settings)` builds it; `leadflow api` serves it."""
