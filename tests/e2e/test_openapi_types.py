"""Issue 30: "the OpenAPI declares amounts as any string and periods without a pattern".
An amount is a number with at most two decimals or a decimal string of the declared
pattern, and a period is a quarter, a month or an ISO week of the declared pattern: for
each value, the served OpenAPI's verdict and the server's (a 422 naming the field, or not)
agree, over real HTTP; so do the times a reminder pass is asked "as of"."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import jsonschema_rs

from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api

AMOUNTS: list[Any] = [
    *("1200000", "1,200,000", "1,200,000.50", "0", "0.5", "0.05", "999,999,999,999.99"),
    *("1000000000000", "0.001", "120万", "1e3", " 5", "1,20,000", "1200000.", ".5", "-1"),
    *("１２００", "0012", "0.00", ""),
    *(1200000, 1200.5, 0.07, 0, 999999999999.99, 1234.567, -1, 1e13, True),
]
PERIODS = [
    *("2026-Q4", "2026-q4", "2026-12", "2026-W49", "2026-w01", "2026-W53", "0001-01", "9998-Q4"),
    *(
        "2027-W53",
        "2026-13",
        "2026-00",
        "2026-Q5",
        "2026-W00",
        " 2026-Q4",
        "２０２６-Q4",
        "9999-Q1",
    ),
    *("2026-Q4\n", "26-Q4", "2026Q4", "2026-1"),
]


def _declared(spec: dict[str, Any], path: str, method: str, field: str) -> dict[str, Any]:
    """The schema the OpenAPI gives a body property or a parameter of one operation."""
    operation = spec["paths"][path][method]
    for parameter in operation.get("parameters", []):
        if parameter["name"] == field:
            return parameter["schema"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[1]
    return spec["components"]["schemas"][name]["properties"][field]


def _refused(response: httpx.Response, field: str) -> bool:
    """Whether the server refused this field: a 422 that names it."""
    if response.status_code != 422:
        return False
    return any(key.split(".")[0] == field for key in response.json().get("errors") or {})


def _agree(spec: dict[str, Any], where: tuple[str, str, str], values: list[Any], send) -> None:
    validator = jsonschema_rs.validator_for(_declared(spec, *where))
    disagree = []
    for value in values:
        response = send(value)
        assert response.status_code < 500, response.text
        schema_says, server_says = validator.is_valid(value), not _refused(response, where[2])
        if schema_says != server_says:
            disagree.append((value, schema_says, response.status_code, response.text[:200]))
    assert not disagree, f"{where}: (value, schema accepts, status, body)\n" + "\n".join(
        map(repr, disagree)
    )


def test_amounts_and_periods_are_refused_exactly_where_the_openapi_says(db_url: str):
    with running_api(db_url) as api:
        _amounts_and_periods(api)


def _amounts_and_periods(api: Api) -> None:
    team = roster(api)
    spec = ok(team.manager.get("/openapi.json"))
    record = {**f.lead_record(), "region": "east"}
    lead_id = ok(team.system.post("/leads", json=record), 201)["id"]
    lead = f"/leads/{lead_id}"
    n = iter(range(1_000_000))

    def new_lead(field: str):
        return lambda v: team.system.post(
            "/leads", json={**record, "email": f"x{next(n)}@example.com", field: v}
        )

    for field in ("budget_min", "budget_max", "annual_revenue"):
        _agree(spec, ("/leads", "post", field), AMOUNTS, new_lead(field))
    version = lambda: ok(team.manager.get(lead))["version"]  # noqa: E731
    _agree(
        spec,
        ("/leads/{lead_id}", "patch", "budget_max"),
        AMOUNTS,
        lambda v: team.manager.patch(lead, json={"version": version(), "budget_max": v}),
    )
    _agree(
        spec,
        ("/leads/{lead_id}/criteria", "post", "budget_confirmed"),
        AMOUNTS,
        lambda v: team.manager.post(f"{lead}/criteria", json={"budget_confirmed": v}),
    )
    plan = {k: "x" for k in ("pain_points", "advantages", "strategy", "milestones")}
    _agree(
        spec,
        ("/leads/{lead_id}/plan", "post", "price_min"),
        AMOUNTS,
        lambda v: team.manager.post(f"{lead}/plan", json={**plan, "price_min": v, "price_max": 1}),
    )
    _agree(
        spec,
        ("/leads/{lead_id}/price-deviation", "post", "value"),
        AMOUNTS,
        lambda v: team.manager.post(f"{lead}/price-deviation", json={"value": v, "reason": "x"}),
    )
    _agree(
        spec,
        ("/reviews/{period}", "get", "period"),
        PERIODS,
        lambda p: team.manager.get(f"/reviews/{quote(p, safe='')}"),
    )
    _agree(
        spec,
        ("/targets", "get", "period"),
        PERIODS,
        lambda p: team.manager.get("/targets", params={"period": p}),
    )
    _agree(
        spec,
        ("/targets", "post", "period"),
        PERIODS,
        lambda p: team.manager.post("/targets", json={"period": p, "team_id": team.team_id}),
    )
    # A reminder pass "as of" a time near year 1 was a 500 (the contract suite found it).
    times = ["2026-12-01T00:00:00Z", "1900-01-01T00:00:00+08:00", "2999-12-31T23:00:00Z"]
    times += ["0001-01-01T00:00:00Z", "1899-12-31T00:00:00Z", "9999-12-31T00:00:00Z"]
    _agree(
        spec,
        ("/reminders/due", "get", "at"),
        times,
        lambda t: team.manager.get("/reminders/due", params={"at": t}),
    )
    # What is meant is still taken, and a budget as written is still read.
    assert ok(team.manager.get(lead))["budget_max"] is not None
    written = {**record, "email": "w@example.com", "phone": None, "budget": "50-80万"}
    written["company_name"] = "Written Budget Ltd"
    written.pop("budget_min", None), written.pop("budget_max", None)
    created = ok(team.system.post("/leads", json=written), 201)["id"]
    assert ok(team.manager.get(f"/leads/{created}"))["budget_min"] == "500000.00"
