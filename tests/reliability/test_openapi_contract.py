"""The API keeps the promises of its own OpenAPI under generated input (Schemathesis).

Every operation of /openapi.json gets generated cases, valid ones and ones that break the
schema, with a key of each role, on SQLite and on PostgreSQL, with a fixed seed. Every
check Schemathesis has runs on every answer (its `--checks all`): no 5xx, declared status
codes, content types, headers and bodies, schema-breaking data refused (negative data) and
schema-keeping data accepted (positive data), less the exclusions listed below with their
reasons. Checks that need a phase of their own (a missing header, an undeclared method, a
deleted resource) find nothing to judge here: tests/e2e/test_method_not_allowed.py and
test_api_access.py hold those promises."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.specs.openapi.checks import positive_data_acceptance

from leadflow.api.app import create_app
from leadflow.settings import Settings
from tests.e2e.api_harness import Api, roster, running_api

pytestmark = [pytest.mark.slow, pytest.mark.reliability]

load_all_checks()
CHECKS_ALL = CHECKS.get_all()
# GET /health answers 503 when the pipeline is unhealthy (here: no Prefect server), as
# declared; its status code and body are still checked.
ANSWERS_503 = {"/health"}
# Schema-keeping requests the API refuses with a 422 by a rule its OpenAPI does not state.
# They are refused naming the field, as every refusal is; positive_data_acceptance (which
# expects 2xx, 401, 403, 404 or 409) is not asked of them. First, rules no JSON Schema can
# state: a value checked against stored data, a registry or a vocabulary in any language.
BUSINESS_RULES = {
    "POST /leads": "a channel word of config/import_mapping.yaml; dedupe and privacy refusals",
    "POST /leads/batch": "the rules of POST /leads, per item (a 207 or a 422)",
    "POST /quarantine/{record_id}/replay": "the rules of POST /leads",
    "PATCH /leads/{lead_id}": "the merged lead is checked as a whole (the rules of POST /leads)",
    "GET /accounts": "tier: a vocabulary label in any language LeadFlow speaks (重点客户 is key)",
    "GET /accounts/history": "company: must keep letters or digits after NFKC folding",
    "POST /leads/{lead_id}/events": "at: not before the lead was created (stored data)",
    "POST /teams": "manager_email an address, notify_url an apprise URL, timezone an IANA name",
    "PATCH /teams/{team_id}": "the same checks as POST /teams",
    "PATCH /leads/{lead_id}/handoff": "customer_contact: a name and a phone or an email",
    "POST /leads/{lead_id}/plan": "price_max not below price_min (JSON Schema cannot compare)",
    "POST /leads/{lead_id}/check": "fix: its fields and values are checked as PATCH's are",
}
# Second, rules a JSON Schema could state but the OpenAPI does not yet (one of two fields,
# at least one field): each is a 422 naming the fields, and
# stating them (anyOf / minProperties in the models' json_schema_extra) is open work.
NOT_YET_STATED = {
    "POST /leads": "phone or email (budget_min not above budget_max cannot be stated)",
    "POST /reps": "email, notify_url or no_email: true",
    "PATCH /teams/{team_id}": "at least one field",
    "PATCH /leads/{lead_id}/handoff": "at least one field",
}
# Schemathesis draws an integer near the bound 2^63-1 as a float and sends 9.223372036854776e18,
# which is above the bound: the server is right to refuse it.
ABOVE_MAX_ID = "less than or equal to 9223372036854775807"
SEED = 20_261_129
# Cases per operation and role: about 50 operations, so a few hundred cases per role.
# Measured: 8 cases took 80 s per role and backend on the 2-core CI machine; 3 keep the six
# runs near 3 minutes.
EXAMPLES = int(os.environ.get("LEADFLOW_CONTRACT_EXAMPLES", "3"))


def _checks_for(label: str, path: str) -> list[Any]:
    """Every check, less the exclusions listed above for this operation."""
    skip = label in BUSINESS_RULES or label in NOT_YET_STATED
    checks = [c for c in CHECKS_ALL if not (c is positive_data_acceptance and skip)]
    if path in ANSWERS_503:
        checks = [c for c in checks if c.__name__ != "not_a_server_error"]
    return checks


def _failure(case: schemathesis.Case, response: Any, found: list[BaseException]) -> str | None:
    """One line for a failed case, or None when the only failure is Schemathesis's own."""
    found = [f for f in found if not (ABOVE_MAX_ID in response.text and "Schema-valid" in str(f))]
    if not found:
        return None
    return (
        f"{case.method} {case.formatted_path} -> {response.status_code}: "
        + "; ".join(str(f).strip().splitlines()[0] for f in found)
        + f" | {case.query or ''} {str(case.body)[:160]} | {response.text[:160]}"
    )


def _operation_failures(operation: Any, token: str, examples: int, failures: list[str]) -> int:
    """Run one operation's generated cases under its checks; the number of cases."""
    checks = _checks_for(f"{operation.method.upper()} {operation.path}", operation.path)
    headers = {"Authorization": f"Bearer {token}"}
    cases = 0

    @seed(SEED)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    def check(case: schemathesis.Case) -> None:
        nonlocal cases
        cases += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except BaseExceptionGroup as exc:  # every failure is listed, none shrunk
            line = _failure(case, response, list(exc.exceptions))
        except AssertionError as exc:  # one check's failure, as Schemathesis raises it
            line = _failure(case, response, [exc])
        else:
            line = None
        if line is not None:
            failures.append(line)

    check()
    return cases


def contract_failures(api: Api, token: str, examples: int) -> tuple[int, list[str]]:
    """Run every operation's generated cases (valid ones and ones that break the schema)
    with this key under every check; the number of cases, and one line per failed case."""
    app = create_app(Settings(database_url=api.url))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    cases = sum(
        _operation_failures(result.ok(), token, examples, failures)
        for result in schema.get_all_operations()
    )
    return cases, failures


@pytest.mark.parametrize("role", ["manager", "system", "rep"])
def test_every_operation_keeps_its_openapi_promises(db_url: str, role: str) -> None:
    """Generated requests (paths, queries and bodies, ids of any size, bodies of any bytes)
    pass every Schemathesis check: no 5xx, nothing undeclared, negative data refused and
    positive data accepted (less the rules listed above)."""
    with running_api(db_url) as api:
        team = roster(api)
        token = api.key(role, team.rep_ids[0] if role == "rep" else None)
        cases, failures = contract_failures(api, token, EXAMPLES)
    assert cases >= 100 or EXAMPLES < 3, cases
    assert not failures, f"{len(failures)} failing cases:\n" + "\n".join(sorted(set(failures)))
