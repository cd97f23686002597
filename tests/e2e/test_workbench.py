"""Issue 32: the workbench under /app/ over real HTTP: signing in and out, the CSRF token,
a revoked key, another rep's lead (404) and a manager's action (403), a deal walked from
assignment to win with the handoff produced, a stale edit, and the zh_CN pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from leadflow.bootstrap import unit_of_work
from leadflow.handoff.package import produce_handoffs
from leadflow.settings import Settings, get_rules
from leadflow.store.auth_models import ApiKey
from leadflow.store.uow import UnitOfWork
from leadflow.team.keys import revoke_key
from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.test_handoff_delivery import stored_markdown
from tests.e2e.workbench_harness import VERSION, refused, signed_in
from tests.integration.test_chinese_outputs import _visible, english_in

PLAN = {
    "pain_points": "9-day month-end close",
    "advantages": "local team",
    "strategy": "workshop, then a pilot",
    "milestones": "pilot in 4 weeks",
    "price_min": "1000000",
    "price_max": "1500000",
}
CONTRACT = {
    "value": "1400000",
    "payment_terms": "30% upfront",
    "acceptance": "accepted when the test script passes",
    "liability": "capped at 10%",
    "confidentiality": "3 years both ways",
    "legal_reviewed_by": "Lee",
}


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(sqlite_url, output_dir=tmp_path / "out") as running:
        yield running


def _assigned_lead(api: Api, **facts: object) -> tuple[int, list[int], httpx.Client]:
    """A lead taken in by a system key and assigned by intake to the first rep."""
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json=f.lead_record(**facts)), 201)["id"]
    api.process()
    shown = ok(team.director.get(f"/leads/{lead_id}"))
    assert shown["owner"]["id"] == team.rep_ids[0], shown["assignment_reason"]
    return lead_id, team.rep_ids, team.director


def test_signing_in_out_and_a_revoked_key(api):
    team = roster(api)
    anonymous = httpx.Client(base_url=api.base, timeout=60)
    api.clients.append(anonymous)
    for path in ("/app/", "/app/pipeline", "/app/leads/1"):
        answer = anonymous.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/app/login"), path
    form = anonymous.get("/app/login")
    assert 'type="password"' in form.text and 'for="key"' in form.text
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    wrong = anonymous.post("/app/login", data={"csrf": token, "key": "lfk_nothing"})
    assert wrong.status_code == 401 and "Unknown or revoked key." in wrong.text
    forged = anonymous.post("/app/login", data={"csrf": "forged", "key": "lfk_nothing"})
    assert forged.status_code == 403

    key = api.key("rep", team.rep_ids[0])
    ann = signed_in(api, key)
    cookie = ann.client.cookies.jar
    assert any(c.name == "leadflow_session" for c in cookie)
    day = ann.get("/app/")
    assert day.status_code == 200 and "My day" in day.text and "New assignments" in day.text
    assert ann.client.post("/app/logout", data={"csrf": "forged"}).status_code == 403
    assert ann.post("/app/logout").status_code == 303
    assert ann.client.get("/app/").status_code == 303  # signed out

    # a revoked key ends its sessions at once
    bob = signed_in(api, api.key("rep", team.rep_ids[1]))
    assert bob.get("/app/").status_code == 200
    with unit_of_work("test", url=api.url) as uow:
        revoke_key(uow.session, _key_id(api, uow))
        uow.commit()
    assert bob.client.get("/app/").status_code == 303


def _key_id(api: Api, uow: UnitOfWork) -> int:
    return int(uow.session.scalar(select(func.max(ApiKey.id))))


def test_the_session_cookie_is_signed_httponly_and_samesite(api):
    team = roster(api)
    client = httpx.Client(base_url=api.base, timeout=60)
    api.clients.append(client)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/app/login").text).group(1)
    answer = client.post("/app/login", data={"csrf": token, "key": api.key("manager")})
    header = answer.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "path=/app" in header
    client.cookies.set("leadflow_session", "forged.value", path="/app")
    assert client.get("/app/").status_code == 303
    del team


def test_another_reps_lead_is_404_and_a_managers_action_403(api):
    lead_id, rep_ids, _ = _assigned_lead(api)
    bob = signed_in(api, api.key("rep", rep_ids[1]))
    assert bob.get(f"/app/leads/{lead_id}").status_code == 404
    assert bob.post(f"/app/leads/{lead_id}/contact", {"channel": "phone"}).status_code == 404
    ann = signed_in(api, api.key("rep", rep_ids[0]))
    page = ann.get(f"/app/leads/{lead_id}")
    assert page.status_code == 200 and "Assign or reassign" not in page.text
    refused_assign = ann.post(f"/app/leads/{lead_id}/assign", {"rep_id": str(rep_ids[1])})
    assert refused_assign.status_code == 403 and "a rep key may not do this" in refused_assign.text
    pipeline = ann.get("/app/pipeline")
    assert pipeline.status_code == 200 and f"#{lead_id} " in pipeline.text
    assert f"#{lead_id} " not in bob.get("/app/pipeline").text


def test_a_refused_action_shows_the_products_message_by_the_field(api):
    lead_id, rep_ids, director = _assigned_lead(api)
    ann = signed_in(api, api.key("rep", rep_ids[0]))
    ann.get(f"/app/leads/{lead_id}")
    answer = ann.post(f"/app/leads/{lead_id}/contact", {"channel": "phone", "key_points": ""})
    assert answer.status_code == 422
    assert 'id="contact-key_points-err"' in answer.text  # the message sits by the field
    qualify = ann.post(f"/app/leads/{lead_id}/transition", {"trigger": "qualify"})
    assert qualify.status_code == 409 and "refused" in " ".join(refused(qualify.text))
    assert 'id="lose-reason"' in ann.get(f"/app/leads/{lead_id}").text
    ann.act(lead_id, "transition", {"trigger": "lose", "reason": "price"})
    lost = ok(director.get(f"/leads/{lead_id}"))
    assert (lost["state"], lost["loss_reason"]) == ("lost", "price")


def test_a_deal_walked_from_assignment_to_win_with_the_handoff(api):
    lead_id, rep_ids, director = _assigned_lead(api)
    ann = signed_in(api, api.key("rep", rep_ids[0]))
    boss = signed_in(api, api.key("director"))
    day = ann.get("/app/")
    assert f"/app/leads/{lead_id}" in day.text  # a new assignment with its countdown
    assert " h left" in day.text or " h overdue" in day.text
    ann.act(lead_id, "contact", {"channel": "phone", "key_points": "wants a pilot"})
    ann.act(lead_id, "criteria", {"intent_stated": "true", "budget_confirmed": "1500000"})
    ann.act(lead_id, "transition", {"trigger": "qualify"})
    ann.act(
        lead_id,
        "assess",
        {
            "urgency": "immediate",
            "budget": "1500000",
            "competition": "advantage",
            "decision_chain": "simple",
        },
    )
    boss.act(lead_id, "grade-confirmation")
    assert ok(director.get(f"/leads/{lead_id}"))["grade_confirmed_by"] == "director:test director"
    ann.act(lead_id, "plan", PLAN)
    awaiting = boss.get("/app/").text.split('id="plan-h"')[1]
    assert f"/app/leads/{lead_id}" in awaiting  # the director's day: a plan to approve
    boss.act(lead_id, "approve")
    assert f"/app/leads/{lead_id}" not in boss.get("/app/").text.split('id="plan-h"')[1]
    ann.act(lead_id, "transition", {"trigger": "start_negotiation"})
    ann.act(lead_id, "objection", {"kind": "price", "detail": "too dear"})
    page = ann.get(f"/app/leads/{lead_id}").text
    objection_id = re.search(rf"/app/leads/{lead_id}/objections/(\d+)/answer", page).group(1)
    done = ann.post(
        f"/app/leads/{lead_id}/objections/{objection_id}/answer", {"response": "phased payment"}
    )
    assert done.status_code == 303
    ann.act(lead_id, "contract", CONTRACT)
    awaiting = boss.get("/app/").text.split('id="plan-h"')[1]
    assert f"/app/leads/{lead_id}" in awaiting  # the director's day: a contract to approve
    early = ann.post(f"/app/leads/{lead_id}/win")
    assert early.status_code == 409 and "approve" in " ".join(refused(early.text))
    boss.act(lead_id, "contract-approval")
    assert f"/app/leads/{lead_id}" not in boss.get("/app/").text.split('id="plan-h"')[1]
    ann.act(lead_id, "win")
    ann.act(
        lead_id,
        "handoff",
        {"delivery_owner": "Dee Delivery", "customer_contact": "Li Lei, 138 0000 0000"},
    )
    won = ann.get(f"/app/leads/{lead_id}").text
    assert "phased payment" in won and "signed" in won
    _produce_handoff(api, lead_id)
    package = stored_markdown(api.url, lead_id)
    assert "Dee Delivery" in package and "accepted when the test script passes" in package


def _produce_handoff(api: Api, lead_id: int) -> None:
    """The delivery-handoff flow's task, as the served flow runs it after the win."""
    with unit_of_work("delivery-handoff", url=api.url) as uow:
        produce_handoffs(uow.session, [lead_id], f.wall_clock(), get_rules(), Settings())
        uow.commit()


def test_a_stale_edit_shows_what_changed(api):
    lead_id, rep_ids, director = _assigned_lead(api, contact_title="CFO")
    ann = signed_in(api, api.key("rep", rep_ids[0]))
    page = ann.get(f"/app/leads/{lead_id}").text
    version = VERSION.search(page).group(1)
    ok(director.patch(f"/leads/{lead_id}", json={"version": int(version), "contact_title": "CEO"}))
    stale = ann.post(
        f"/app/leads/{lead_id}/edit",
        {"version": version, "was.contact_title": "CFO", "contact_title": "COO"},
    )
    assert stale.status_code == 409
    assert "changed by someone else" in " ".join(refused(stale.text))
    assert "contact title: CFO → CEO" in stale.text  # what changed since the form was read


def test_the_pages_speak_the_browsers_language_and_switch(api):
    lead_id, rep_ids, _ = _assigned_lead(api)
    ann = signed_in(api, api.key("rep", rep_ids[0]), language="zh-CN,zh;q=0.9,en;q=0.5")
    day = ann.get("/app/")
    assert 'lang="zh-CN"' in day.text and "我的一天" in day.text
    assert "登记联系" in ann.get(f"/app/leads/{lead_id}").text
    switched = ann.client.get("/app/lang/en", params={"back": "/app/pipeline"})
    assert (switched.status_code, switched.headers["location"]) == (303, "/app/pipeline")
    assert "My day" in ann.get("/app/").text


def test_docs_are_served_from_the_package(api):
    client = httpx.Client(base_url=api.base, timeout=60)
    api.clients.append(client)
    docs = client.get("/docs").text
    assert "/docs/assets/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/app/static/workbench.css").status_code == 200
    assert not [p for p in client.get("/openapi.json").json()["paths"] if p.startswith("/app")]


def test_the_queue_and_team_pages_are_a_managers(api):
    team = roster(api)
    for rep_id in team.rep_ids:
        ok(team.director.patch(f"/reps/{rep_id}", json={"away": True}))
    lead_id = ok(team.system.post("/leads", json=f.lead_record()), 201)["id"]
    api.process()
    assert ok(team.director.get(f"/leads/{lead_id}"))["owner"] is None  # everyone is away
    ann = signed_in(api, api.key("rep", team.rep_ids[0]))
    for path in ("/app/queue", "/app/team", "/app/team/review"):
        assert ann.get(path).status_code == 403, path
    mia = signed_in(api, api.key("manager"))
    queue = mia.get("/app/queue")
    assert queue.status_code == 200 and f"#{lead_id} " in queue.text
    assert "No rep is free." in queue.text  # a button per present rep below capacity
    away = mia.post(
        f"/app/leads/{lead_id}/assign", {"rep_id": str(team.rep_ids[1]), "back": "/app/queue"}
    )
    assert away.status_code == 409 and "away" in " ".join(refused(away.text))
    ok(team.director.patch(f"/reps/{team.rep_ids[1]}", json={"away": False}))
    moved = mia.post(
        f"/app/leads/{lead_id}/assign", {"rep_id": str(team.rep_ids[0]), "back": "/app/queue"}
    )
    assert moved.status_code == 409  # Ann is still away: the service refuses, as the API does
    assert mia.get("/app/team").status_code == 200
    assert mia.get("/app/team/review").status_code == 200


def test_a_manager_assigns_a_waiting_lead_from_the_queue_in_one_click(api):
    """The queue's button for an eligible rep posts its form (the page's CSRF token and all)
    and the lead is that rep's, and out of the queue."""
    team = roster(api)
    for rep_id in team.rep_ids:
        ok(team.director.patch(f"/reps/{rep_id}", json={"away": True}))
    lead_id = ok(team.system.post("/leads", json=f.lead_record()), 201)["id"]
    api.process()
    assert ok(team.director.get(f"/leads/{lead_id}"))["owner"] is None  # it waits
    # Bob comes back covering the west only: present and free, so the queue offers him,
    # but the normal rules do not give him the east lead, so it still waits for a manager.
    bob = team.rep_ids[1]
    ok(team.director.patch(f"/reps/{bob}", json={"away": False, "regions": ["west"]}))
    assert ok(team.director.get(f"/leads/{lead_id}"))["owner"] is None
    mia = signed_in(api, api.key("manager"))
    queue = mia.get("/app/queue").text
    buttons = re.findall(
        rf'<form method="post" action="/app/leads/{lead_id}/assign".*?</form>', queue, re.S
    )
    assert len(buttons) == 1 and f'name="rep_id" value="{bob}"' in buttons[0]  # Ann is away
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', buttons[0]))
    assert form["csrf"] == mia.csrf and form["back"] == "/app/queue"  # the page's own token
    answer = mia.client.post(f"/app/leads/{lead_id}/assign", data=form)
    assert (answer.status_code, answer.headers["location"]) == (303, "/app/queue")
    assert ok(team.director.get(f"/leads/{lead_id}"))["owner"]["id"] == bob
    assert f"#{lead_id} " not in mia.get("/app/queue").text  # it left the queue


def test_a_form_without_the_sessions_token_does_nothing(api):
    lead_id, rep_ids, director = _assigned_lead(api)
    ann = signed_in(api, api.key("rep", rep_ids[0]))
    data = {"channel": "phone", "key_points": "forged"}
    for token in ("", "another-sessions-token"):
        forged = ann.client.post(f"/app/leads/{lead_id}/contact", data={"csrf": token, **data})
        assert forged.status_code == 403 and "the form has expired" in forged.text
    assert ok(director.get(f"/leads/{lead_id}"))["activities"] == []


def test_the_pipeline_filters_as_the_api_lists(api):
    lead_id, rep_ids, _ = _assigned_lead(api)
    mia = signed_in(api, api.key("manager"))
    everything = mia.get("/app/pipeline").text
    assert f"#{lead_id} " in everything and 'id="col-negotiation"' in everything
    for query, shown in (
        ({"owner": str(rep_ids[0])}, True),
        ({"owner": str(rep_ids[1])}, False),
        ({"team": "1", "grade": "A", "source": "website_form"}, True),
        ({"source": "referral"}, False),
        ({"state": "nurturing", "after": str(lead_id)}, False),  # the next keyset page
    ):
        page = mia.client.get("/app/pipeline", params=query)
        assert page.status_code == 200 and (f"#{lead_id} " in page.text) is shown, query
    bad = mia.client.get("/app/pipeline", params={"grade": "Z"})
    assert bad.status_code == 422 and "grade: &#39;Z&#39; is not one of" in bad.text


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "我的一天"),
        ("en;q=0.9,zh;q=0.95", "我的一天"),  # the better quality wins, a bare zh is zh_CN
        ("fr-FR,en;q=0.5", "My day"),
        ("de", "My day"),  # nothing LeadFlow speaks: English
    ],
)
def test_the_language_is_the_best_the_browser_accepts(api, header, shown):
    team = roster(api)
    person = signed_in(api, api.key("rep", team.rep_ids[0]), language=header)
    assert shown in person.get("/app/").text


def test_a_manager_reviews_an_invalid_lead_and_reassigns_one(api):
    lead_id, rep_ids, director = _assigned_lead(api)
    broken = ok(
        api.as_role("system").post("/leads", json=f.lead_record(phone="12", email="not-an-email")),
        201,
    )["id"]
    api.process()
    mia = signed_in(api, api.key("manager"))
    day = mia.get("/app/").text.split('id="inv-h"')[1]
    assert f"/app/leads/{broken}" in day  # an invalid lead to review
    assert 'id="invalid-review-decision"' in mia.get(f"/app/leads/{broken}").text
    without = mia.post(f"/app/leads/{broken}/invalid-review", {"decision": "reinstate"})
    assert without.status_code == 422 and "reason" in " ".join(refused(without.text))
    mia.act(broken, "invalid-review", {"decision": "reinstate", "reason": "phoned: real"})
    assert ok(director.get(f"/leads/{broken}"))["state"] == "new"  # the intake screens it again
    mia.act(lead_id, "assign", {"rep_id": str(rep_ids[1]), "reason": "Ann is on leave"})
    assert ok(director.get(f"/leads/{lead_id}"))["owner"]["id"] == rep_ids[1]


def test_a_chinese_lead_page_and_my_day_have_no_english_left(api):
    """Issue 33 item 5: facts, the score's explanation, the timeline and the reminders are
    in Chinese; what may stay Latin are names, emails and ids (the roster's are English)."""
    chinese = {"company_name": "华东制造有限公司", "contact_name": "王伟", "need": "替换电子表格"}
    lead_id, rep_ids, director = _assigned_lead(api, industry="制造", **chinese)
    ann = signed_in(api, api.key("rep", rep_ids[0]), language="zh-CN")
    names = {r["name"] for r in ok(director.get("/reps"))}
    pages = {"lead": ann.get(f"/app/leads/{lead_id}").text, "day": ann.get("/app/").text}
    assert "首次联系" in pages["day"] and "渠道" in pages["lead"]
    for page, html in pages.items():
        shown = _visible(re.sub(r"<form.*?</form>", " ", html, flags=re.S))  # field names
        for name in names:
            shown = shown.replace(name, " ")
        assert english_in(shown) == [], page
