"""The FastAPI application factory: routers, error handlers, size limit and OpenAPI.

Nothing happens at import: each worker opens the database at startup (api/startup.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from leadflow.api import (
    accounts,
    checks,
    followups,
    health,
    history,
    lead_actions,
    lead_contract,
    lead_ops,
    leads,
    minutes,
    quarantine,
    reps,
    reviews,
    targets,
)
from leadflow.api.errors import GuardMiddleware, install_error_handlers
from leadflow.api.schemas import LeadBatchIn
from leadflow.api.startup import prepare_worker
from leadflow.schemas import LeadIn
from leadflow.settings import Settings, get_settings
from leadflow.web import docs as swagger
from leadflow.web import lead_page, manager
from leadflow.web import pages as web_pages
from leadflow.web.session import process_secret

DESCRIPTION = """Lead intake and lifecycle over HTTP.

**Keys.** Every call except /docs, /openapi.json and a keyless /health needs a key from
`leadflow keys create --role system|rep|manager|director [--rep ID]`, sent as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. No key, an unknown or a revoked key: 401.
A role that may not make the call: 403.

| role | may |
|---|---|
| system | create leads, read all leads (masked), post behaviour events, read reps |
| rep | read and act on its own leads only (others' are 404); mark itself away |
| manager | everything: leads, reps, teams, quarantine; approve grade B/C plans |
| director | as manager, and approve grade A plans |

**Masking.** budget_min, budget_max, budget_confirmed, decision_chain_notes and
internal_notes (and their history entries) are null, and named in `masked`, unless the key
is the owner rep's, a manager's or a director's. Managers are not linked to teams yet, so a
manager key sees every team's leads.

**Intake.** `POST /leads` takes one lead, `POST /leads/batch` takes `{"leads": [...]}` with
1 to 1,000. A repeat (same external_id, or the same `Idempotency-Key` header from the same
key) creates nothing and answers 200 with the original lead. A batch answers 201 when it
stored new leads, 200 when every item was a repeat, and 207 with per-item results when any
item was rejected (the others are stored). Every refused lead payload, malformed JSON
included, is kept verbatim in quarantine (`GET /quarantine`), less the personal data the
product refuses (ID numbers, home addresses; its errors say what was removed), and can be
replayed (`POST /quarantine/{id}/replay`). Bodies over the configured limit (8 MiB by default: a
batch of 1,000 leads of up to about 8 KB each) get 413.

**Errors.** Every error is an `ErrorOut`: `detail`, and `errors` (a message per field) when
input was invalid. The key is checked first (401, then 403), then the path: an id that no
row can have (outside 1 to 2^63-1) is a 404 like any id that names nothing; out of that
range in a query or body it is a 422. A body that is not UTF-8 JSON is a 422 on every
route.

**Targets.** `POST /targets` (manager or director) sets a team's or a rep's revenue,
new-customer and repeat-rate target for a period (201 new, 200 updated); any key may read
them (`GET /targets?period=2026-Q3`). The pipeline review shows progress against them.

**Reviews.** `GET /reviews/2026-Q3` (also a month, 2026-09, or an ISO week, 2026-W49) is the
review as JSON, with `?team_id=` for one team's; a rep key gets its own. Managers and
directors enter the review meeting's conclusions with `POST /reviews/{period}/notes`
(`team_id`, `success`, `failure`, `improve`: lists of texts; a list left out keeps its
texts) and read them with `GET /reviews/{period}/notes`; the review shows them.

**Health.** `GET /health` answers 200 when the pipeline is healthy and 503 when not (as
`leadflow status` exits 0 or 1). Without a key the body is only `healthy` and
`checked_at`, for monitors; a manager or director key gets every check and `problems`
naming each problem; other keys get 403. It asks the Prefect API at PREFECT_API_URL (else
http://127.0.0.1:4200/api).

**Reps.** `DELETE /reps/{id}` deletes only a rep nothing refers to; a rep who owns leads or
has activities, targets or keys gets 409: mark the rep away instead.

**Teams.** Every team has a `timezone` (an IANA name such as Asia/Shanghai): its business
hours, first-contact deadlines, reminders and review periods run on that clock.
`POST /teams` without one gives the server's default_timezone; `PATCH /teams/{id}`
(manager or director) changes it, or the name and manager; null goes back to the default."""


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """OpenAPI with the schemas of the bodies that routes read themselves (to quarantine
    bad ones) added to the components."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        _, defs = models_json_schema(
            [(LeadIn, "validation"), (LeadBatchIn, "validation")],
            ref_template="#/components/schemas/{model}",
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(defs["$defs"])
        app.openapi_schema = schema
        return schema

    return build


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    prepare_worker(app.state.settings)
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for these settings (the process's settings by default)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="LeadFlow",
        version="0.1.0",
        description=DESCRIPTION,
        docs_url=None,  # served from the package below (leadflow/web/docs.py), not a CDN
        openapi_url="/openapi.json",
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    for module in (
        leads,
        lead_actions,
        lead_ops,
        lead_contract,
        minutes,
        checks,
        quarantine,
        reps,
        accounts,
        targets,
        reviews,
        followups,
        history,
        health,
    ):
        app.include_router(module.router)
    for router in (web_pages.router, lead_page.router, manager.router, swagger.router):
        app.include_router(router)
    app.state.session_secret = process_secret()
    install_error_handlers(app)
    web_pages.install(app)
    app.add_middleware(GuardMiddleware, max_body=settings.api_max_body_bytes)
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    return app
