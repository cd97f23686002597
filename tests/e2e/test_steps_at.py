"""Issue 31: criteria, assessment, plan and approval recorded later over real HTTP, each
with the `at` it happened; the field history keeps those times, and a time in the future
is refused naming `at`."""

from __future__ import annotations

import datetime as dt

from leadflow.bootstrap import unit_of_work
from leadflow.lifecycle import operations as svc
from leadflow.settings import get_rules
from leadflow.store.migrate import upgrade
from tests import factories as f
from tests.e2e.api_harness import ok, running_api
from tests.e2e.test_api_operations import PLAN


def test_steps_recorded_later_keep_their_times(tmp_path):
    url = f"sqlite:///{tmp_path / 'at.db'}"
    upgrade(url)
    at = f.NOW - dt.timedelta(days=3)
    with unit_of_work("test", url=url) as uow:
        f.rep(uow.session, f.team(uow.session).id)
        lead_id = f.taken_in(uow.session, get_rules(), at)
        svc.log_activity(
            uow.session, lead_id, channel="phone", key_points="intro", now=at, rules=get_rules()
        )
        uow.commit()
    learned, qualified, assessed = (at + dt.timedelta(hours=h) for h in (1, 2, 24))
    path = f"/leads/{lead_id}"
    with running_api(url) as api:
        manager, director = api.as_role("manager"), api.as_role("director")
        late = manager.post(
            f"{path}/criteria", json={"intent_stated": True, "at": "2099-01-01T00:00:00Z"}
        )
        assert late.status_code == 422 and "at: 2099-01-01" in late.text, late.text
        criteria = {"intent_stated": True, "budget_confirmed": 1_200_000}
        ok(manager.post(f"{path}/criteria", json={**criteria, "at": learned.isoformat()}))
        qualify = {"trigger": "qualify", "at": qualified.isoformat()}
        ok(manager.post(f"{path}/transitions", json=qualify))
        early = {"urgency": "urgent", "budget": 1_200_000, "competition": "parity"}
        early |= {"decision_chain": "medium", "at": learned.isoformat()}
        refused = manager.post(f"{path}/assessment", json=early)
        assert refused.status_code == 422 and "entered 'opportunity'" in refused.text
        ok(manager.post(f"{path}/assessment", json={**early, "at": assessed.isoformat()}), 201)
        ok(manager.post(f"{path}/plan", json={**PLAN, "at": assessed.isoformat()}), 201)
        approved = ok(director.post(f"{path}/approval", json={"at": assessed.isoformat()}))
        assert dt.datetime.fromisoformat(approved["approved_at"]) == assessed
    with unit_of_work("test", url=url) as uow:
        history = svc.lead_story(uow.session, lead_id)["history"]
    stamps = {h["field"]: h["at"] for h in history}
    assert stamps["intent_stated"] == learned
    assert stamps["opportunity_grade"] == assessed and stamps["approved_role"] == assessed
