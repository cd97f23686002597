"""The API keeps the promises of its own OpenAPI under generated input (Schemathesis).

Every operation of /openapi.json gets generated cases with a key of each role, on SQLite
and on PostgreSQL, with a fixed seed. Three checks hold for every answer: no 5xx, the
status code is one the operation declares, and the body matches that code's schema."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from leadflow.api.app import create_app
from leadflow.settings import Settings
from tests.e2e.api_harness import Api, roster, running_api

pytestmark = [pytest.mark.slow, pytest.mark.reliability]

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# GET /health answers 503 when the pipeline is unhealthy (here: no Prefect server), as
# declared; its status code and body are still checked.
ANSWERS_503 = {"/health"}
SEED = 20_261_129
# Cases per operation and role: about 30 operations, so a few hundred cases per role.
EXAMPLES = int(os.environ.get("LEADFLOW_CONTRACT_EXAMPLES", "12"))


def contract_failures(api: Api, token: str, examples: int) -> tuple[int, list[str]]:
    """Run every operation's generated cases (valid ones and ones that break the schema)
    with this key; the number of cases, and one line per failed case."""
    app = create_app(Settings(database_url=api.url))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @seed(SEED)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case: schemathesis.Case) -> None:
            nonlocal cases
            cases += 1
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            try:
                checks = CHECKS[1:] if case.path in ANSWERS_503 else CHECKS
                case.validate_response(response, checks=checks)
            except BaseExceptionGroup as exc:  # every failure is listed, none shrunk
                found = getattr(exc, "exceptions", [exc])
                failures.append(
                    f"{case.method} {case.formatted_path} -> "
                    f"{response.status_code}: "
                    + "; ".join(str(f).strip().splitlines()[0] for f in found)
                    + f" | {response.text[:160]}"
                )

        check()
    return cases, failures


@pytest.mark.parametrize("role", ["manager", "system", "rep"])
def test_every_operation_keeps_its_openapi_promises(db_url: str, role: str) -> None:
    """Generated requests (paths, queries and bodies, ids of any size, bodies of any bytes)
    never get a 5xx, an undeclared status code or a body unlike the declared schema."""
    with running_api(db_url) as api:
        team = roster(api)
        token = api.key(role, team.rep_ids[0] if role == "rep" else None)
        cases, failures = contract_failures(api, token, EXAMPLES)
    assert cases >= 200 or EXAMPLES < 12, cases
    assert not failures, f"{len(failures)} failing cases:\n" + "\n".join(sorted(set(failures)))
