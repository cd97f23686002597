"""Key accounts (seed 004 L70: 初步意向 - 高意向 - 重点客户, 专项跟进小组) and customer-type
routing (seed 000 L90) as a user runs them: the CLI (`accounts set/list/history`, `teams
set --customer-types`, `leads add --customer-type`) and the API over real HTTP (POST/GET
/accounts, the team routes), rule book §5."""

from __future__ import annotations

from tests import factories as f
from tests.e2e.api_harness import ok, running_api
from tests.e2e.cli_harness import run, run_json

COMPANY = "某某科技有限公司"


def _lead(env: dict[str, str], *args: str) -> dict:
    return run_json(
        [
            "leads",
            "add",
            "--source",
            "referral",
            "--contact",
            "王伟",
            "--need",
            "CRM",
            "--region",
            "east",
            "--role",
            "decision_maker",
            "--budget-max",
            "300000",
            *args,
        ],
        env,
    )


def test_key_accounts_and_customer_types_through_the_cli(env):
    """Rule book §5: "Managers and directors set them (`leadflow accounts set "某某科技有限公司"
    --tier key --group TEAM_ID`, or POST /accounts); a key account needs its group"."""
    run(["teams", "add", "--name", "East", "--region", "east", "--no-email"], env)
    run(["teams", "add", "--name", "Key desk", "--region", "north", "--no-email"], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--no-email", "--seniority", "senior"], env)
    run(["reps", "add", "--name", "Kim", "--team", "2", "--no-email", "--seniority", "senior"], env)
    first = _lead(env, "--company", COMPANY, "--email", "wang@a.example")
    assert first["owner_id"] == 1

    refused = run(["accounts", "set", COMPANY, "--tier", "key"], env, ok=False)
    assert "team_id" in refused.stderr + refused.stdout and "Traceback" not in refused.stderr
    out = run(["accounts", "set", COMPANY, "--tier", "key", "--group", "2", "--by", "mia"], env)
    assert f"lead {first['id']}: rep 2" in out.stdout
    assert _lead(env, "--company", COMPANY, "--email", "li@a.example")["owner_id"] == 2
    rows = run_json(["accounts", "list"], env)
    assert [(r["company"], r["tier"], r["team"]) for r in rows] == [(COMPANY, "key", "Key desk")]
    history = run_json(["accounts", "history", COMPANY], env)
    assert {(h["field"], h["new"], h["by"]) for h in history} >= {("tier", "key", "mia")}
    zh = run(["accounts", "list"], {**env, "LEADFLOW_LOCALE": "zh_CN"})
    assert "重点客户" in zh.stdout

    # Seed 000: individual customers get a team of their own.
    run(["teams", "add", "--name", "Retail", "--customer-types", "individual", "--no-email"], env)
    run(["reps", "add", "--name", "Pia", "--team", "3", "--no-email", "--seniority", "senior"], env)
    run(["teams", "update", "1", "--customer-types", "company"], env)
    teams = {t["name"]: t["customer_types"] for t in run_json(["teams", "list"], env)}
    assert teams == {"East": ["company"], "Key desk": [], "Retail": ["individual"]}
    person = _lead(env, "--customer-type", "individual", "--email", "zhou@b.example")
    assert person["owner_id"] == 3
    bad = run(["teams", "set", "1", "--customer-types", "robot"], env, ok=False)
    assert "customer_types" in bad.stderr + bad.stdout


def test_accounts_and_team_customer_types_over_http(sqlite_url):
    """Rule book §5: "The tier and group show in `accounts list` and GET /accounts"; a
    team's types through `customer_types` on POST and PATCH /teams."""
    with running_api(sqlite_url) as api:
        director, manager = api.as_role("director"), api.as_role("manager")
        east = ok(
            director.post("/teams", json={"name": "East", "regions": ["east"], "no_email": True}),
            201,
        )
        key = ok(
            director.post("/teams", json={"name": "Key", "regions": ["north"], "no_email": True}),
            201,
        )
        ok(
            director.post(
                "/reps",
                json={
                    "name": "Ann",
                    "team_id": east["id"],
                    "no_email": True,
                    "seniority": "senior",
                },
            ),
            201,
        )
        kim = ok(
            director.post(
                "/reps",
                json={"name": "Kim", "team_id": key["id"], "no_email": True, "seniority": "senior"},
            ),
            201,
        )
        system = api.as_role("system")
        lead_id = ok(system.post("/leads", json=f.lead_record(company_name="Acme Ltd")), 201)["id"]
        api.process()

        rep = api.as_role("rep", kim["id"])
        assert rep.post("/accounts", json={"company": "Acme", "tier": "key"}).status_code == 403
        bad = ok(manager.post("/accounts", json={"company": "Acme", "tier": "key"}), 422)
        assert list(bad["errors"]) == ["team_id"]
        bad = ok(manager.post("/accounts", json={"company": "Acme", "tier": "vip"}), 422)
        assert "tier" in bad["errors"]
        made = ok(
            manager.post(
                "/accounts", json={"company": "ACME, Inc.", "tier": "key", "team_id": key["id"]}
            )
        )
        assert (made["tier"], made["team"], made["open_leads"]) == ("key", "Key", 1)
        assert made["routed"] == [
            {"lead_id": lead_id, "rep_id": kim["id"], "team_id": key["id"], "kept": None}
        ]
        lead = ok(manager.get(f"/leads/{lead_id}"))
        assert lead["owner"]["id"] == kim["id"]
        assert "key account ACME, Inc.: follow-up group Key" in lead["assignment_reason"]
        listed = ok(rep.get("/accounts", params={"tier": "key"}))
        assert [a["company"] for a in listed] == ["ACME, Inc."]
        changes = ok(rep.get("/accounts/history", params={"company": "Acme Ltd"}))
        assert {(c["field"], c["new"]) for c in changes} >= {("tier", "key")}

        patched = ok(manager.patch(f"/teams/{east['id']}", json={"customer_types": ["individual"]}))
        assert patched["customer_types"] == ["individual"]
        bad = ok(manager.patch(f"/teams/{east['id']}", json={"customer_types": ["robot"]}), 422)
        assert "customer_types" in str(bad["errors"])
