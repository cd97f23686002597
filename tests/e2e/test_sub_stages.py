"""Issue 29, item 5 end to end: the stage inside a deal (docs/rules.md §7, "Stages inside a
deal", seed 001 L95: 技术评估阶段, 价格谈判阶段) set, refused, listed and shown through
the CLI and the API over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.cli_harness import run, run_json
from tests.e2e.test_grade_confirmation import _qualified_by_cli


def test_cli_sets_lists_and_shows_the_sub_stage(env, tmp_path):
    """Rule book §7: "`leadflow leads stage ID 技术评估阶段 [--at TIME]`"; "A name the state
    does not list is refused, naming the ones it does"; "shown beside the state by `leads
    list` (which filters by it with `--stage`), `leads show`"."""
    lead_id = _qualified_by_cli(env, tmp_path)
    shown = run_json(["leads", "show", str(lead_id)], env)
    assert (shown["state"], shown["sub_stage"]) == ("opportunity", "需求确认")
    bad = run(["leads", "stage", str(lead_id), "价格谈判阶段"], env, ok=False)
    assert "use one of 需求确认, 技术评估阶段, 方案报价" in bad.stderr
    assert "Traceback" not in bad.stderr
    text = run(["leads", "stage", str(lead_id), "技术评估阶段", "--by", "ann"], env).stdout
    assert f"lead {lead_id}: opportunity, at 技术评估阶段" in text
    listed = run(["leads", "list"], env).stdout
    assert "sub_stage" in listed and "技术评估阶段" in listed
    assert [r["id"] for r in run_json(["leads", "list", "--stage", "技术评估阶段"], env)] == [
        lead_id
    ]
    assert run_json(["leads", "list", "--stage", "方案报价"], env) == []
    shown = run_json(["leads", "show", str(lead_id)], env)
    assert ("需求确认", "技术评估阶段", "ann") in {
        (h["old"], h["new"], h["by"]) for h in shown["history"] if h["field"] == "sub_stage"
    }
    assert "sub_stage: 技术评估阶段" in run(["leads", "show", str(lead_id)], env).stdout
    run(["leads", "fire", str(lead_id), "requalify", "--reason", "budget cut"], env)
    refused = run(["leads", "stage", str(lead_id), "方案报价"], env, ok=False)
    assert "the lead is nurturing; only a lead in opportunity or negotiation" in refused.stderr


@pytest.fixture
def api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url) as running:
        yield running


def test_api_owner_sets_the_stage_another_rep_may_not(api):
    """Rule book §7: "The deal's owner, a manager or a director moves it ...: `POST
    /leads/ID/stage` with `{"stage": "技术评估阶段"}`"; shown by "`GET /leads` (`?stage=`),
    `GET /leads/ID`"."""
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json={**f.lead_record(), "region": "east"}), 201)["id"]
    api.process()
    owner_id = ok(team.manager.get(f"/leads/{lead_id}"))["owner"]["id"]
    owner = team.reps[team.rep_ids.index(owner_id)]
    other = team.reps[1 - team.rep_ids.index(owner_id)]
    path = f"/leads/{lead_id}"
    early = ok(owner.post(f"{path}/stage", json={"stage": "技术评估阶段"}), 409)
    assert "only a lead in opportunity or negotiation" in early["reason"]
    ok(owner.post(f"{path}/criteria", json={"intent_stated": True, "budget_confirmed": 2_000_000}))
    ok(owner.post(f"{path}/transitions", json={"trigger": "qualify"}))
    assert ok(owner.get(path))["sub_stage"] == "需求确认"
    assert other.post(f"{path}/stage", json={"stage": "技术评估阶段"}).status_code in (403, 404)
    bad = ok(owner.post(f"{path}/stage", json={"stage": "合同审批"}), 422)
    assert bad["errors"] == {"stage": "one of 需求确认, 技术评估阶段, 方案报价"}
    moved = ok(owner.post(f"{path}/stage", json={"stage": "技术评估阶段"}))
    assert (moved["state"], moved["sub_stage"]) == ("opportunity", "技术评估阶段")
    assert moved["sub_stage_at"]
    back = ok(team.manager.post(f"{path}/stage", json={"stage": "需求确认"}))
    assert back["sub_stage"] == "需求确认"
    lead = ok(team.director.get(path))
    assert (lead["sub_stage"], lead["sub_stage_at"]) == ("需求确认", back["sub_stage_at"])
    items = ok(team.manager.get("/leads", params={"stage": "需求确认"}))["items"]
    assert [(i["id"], i["sub_stage"]) for i in items] == [(lead_id, "需求确认")]
    assert ok(team.manager.get("/leads", params={"stage": "方案报价"}))["items"] == []
