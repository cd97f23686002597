"""Issue 32 item 4: a form for every action the role may take, over real HTTP. Each form
added here (a deal's sub-stage, the brief, the negotiation minutes, the post-win review,
the owner's re-verification, a supervisor's check of an entry, the review meeting's notes,
a target and its approval) is taken once, its fact then seen on the page or through the
API, and refused once with the product's message shown by the form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.test_workbench import CONTRACT, PLAN, _assigned_lead, _produce_handoff
from tests.e2e.workbench_harness import VERSION, Person, form_values, refused, signed_in

GOOD_DEAL = {
    "urgency": "immediate",
    "budget": "1500000",
    "competition": "advantage",
    "decision_chain": "simple",
}


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(sqlite_url, output_dir=tmp_path / "out") as running:
        yield running


def _opportunity(api: Api) -> tuple[int, Person, Person, httpx.Client]:
    """A lead Ann qualified and assessed, its grade confirmed by a director, all at the
    workbench: (lead, Ann, the director at the workbench, the director's API client)."""
    lead_id, rep_ids, director = _assigned_lead(api)
    ann = signed_in(api, api.key("rep", rep_ids[0]))
    boss = signed_in(api, api.key("director"))
    ann.act(lead_id, "contact", {"channel": "phone", "key_points": "wants a pilot"})
    ann.act(lead_id, "criteria", {"intent_stated": "true", "budget_confirmed": "1500000"})
    ann.act(lead_id, "transition", {"trigger": "qualify"})
    ann.act(lead_id, "assess", GOOD_DEAL)
    boss.act(lead_id, "grade-confirmation")
    return lead_id, ann, boss, director


def _negotiation(api: Api) -> tuple[int, Person, Person, httpx.Client]:
    """An opportunity with its plan approved, moved into negotiation."""
    lead_id, ann, boss, director = _opportunity(api)
    ann.act(lead_id, "plan", PLAN)
    boss.act(lead_id, "approve")
    ann.act(lead_id, "transition", {"trigger": "start_negotiation"})
    return lead_id, ann, boss, director


def test_the_sub_stage_and_the_brief_of_an_opportunity(api):
    lead_id, ann, _boss, director = _opportunity(api)
    page = ann.get(f"/app/leads/{lead_id}").text
    assert 'id="stage-stage"' in page and "技术评估阶段" in page
    wrong = ann.post(f"/app/leads/{lead_id}/stage", {"stage": "closing"})
    assert wrong.status_code == 422 and 'id="stage-stage-err"' in wrong.text
    assert "is not a sub-stage of opportunity" in " ".join(refused(wrong.text))
    ann.act(lead_id, "stage", {"stage": "技术评估阶段"})
    assert ok(director.get(f"/leads/{lead_id}"))["sub_stage"] == "技术评估阶段"
    assert "技术评估阶段" in ann.get(f"/app/leads/{lead_id}").text.split('id="sub-stage"')[1]

    assert ok(director.get(f"/leads/{lead_id}"))["brief_due"] is not None  # a confirmed A
    assert 'id="brief-text"' in ann.get(f"/app/leads/{lead_id}").text
    empty = ann.post(f"/app/leads/{lead_id}/brief", {"text": " "})
    assert empty.status_code == 422 and 'id="brief-text-err"' in empty.text
    ann.act(lead_id, "brief", {"text": "立项: pilot first, then the plant"})
    assert ok(director.get(f"/leads/{lead_id}"))["brief_at"] is not None
    assert "recorded" in ann.get(f"/app/leads/{lead_id}").text.split('id="brief-at"')[1]


def test_a_brief_is_refused_outside_an_opportunity(api):
    lead_id, rep_ids, _ = _assigned_lead(api)
    ann = signed_in(api, api.key("rep", rep_ids[0]))
    assert 'id="brief-text"' not in ann.get(f"/app/leads/{lead_id}").text
    early = ann.post(f"/app/leads/{lead_id}/brief", {"text": "too early"})
    assert early.status_code == 409
    assert "only opportunities have a brief" in " ".join(refused(early.text))


def test_the_minutes_and_the_post_win_review_of_a_deal(api):
    lead_id, ann, boss, director = _negotiation(api)
    assert 'id="minutes-agreed"' in ann.get(f"/app/leads/{lead_id}").text
    unconfirmed = ann.post(f"/app/leads/{lead_id}/minutes", {"agreed": "phased payment"})
    assert unconfirmed.status_code == 422 and 'id="minutes-confirmed_by-err"' in unconfirmed.text
    assert ok(director.get(f"/leads/{lead_id}/minutes")) == []
    ann.act(
        lead_id,
        "minutes",
        {
            "agreed": "phased payment\n3 years of support",
            "open_issues": "training days",
            "confirmed_by": "Li Lei",
            "confirmed_title": "CFO",
        },
    )
    kept = ok(director.get(f"/leads/{lead_id}/minutes"))
    assert [(m["agreed"], m["open_issues"]) for m in kept] == [
        (["phased payment", "3 years of support"], ["training days"])
    ]
    assert "Li Lei (CFO)" in ann.get(f"/app/leads/{lead_id}").text

    no_handoff = ann.post(f"/app/leads/{lead_id}/win-review", {"notes": "too early"})
    assert no_handoff.status_code == 404 and "has no handoff yet" in no_handoff.text
    ann.act(lead_id, "contract", CONTRACT)
    boss.act(lead_id, "contract-approval")
    ann.act(lead_id, "win")
    _produce_handoff(api, lead_id)
    assert 'id="win-review-notes"' in ann.get(f"/app/leads/{lead_id}").text
    empty = ann.post(f"/app/leads/{lead_id}/win-review", {"notes": ""})
    assert empty.status_code == 422 and 'id="win-review-notes-err"' in empty.text
    ann.act(lead_id, "win-review", {"notes": "won on the pilot; price held"})
    shown = ann.get(f"/app/leads/{lead_id}").text.split('id="win-review-notes"')[1]
    assert "won on the pilot; price held" in shown.split("</td>")[0]

    # a won deal is no longer verified each month
    assert f'action="/app/leads/{lead_id}/verify"' not in ann.get(f"/app/leads/{lead_id}").text
    closed = ann.post(f"/app/leads/{lead_id}/verify")
    assert closed.status_code == 409
    assert "only an open lead is verified" in " ".join(refused(closed.text))


def test_a_supervisors_check_and_the_owners_reverification(api):
    team = roster(api)
    entered = ok(team.manager.post("/leads", json=f.lead_record()), 201)["id"]
    api.process()
    lead = ok(team.manager.get(f"/leads/{entered}"))
    assert (lead["check_state"], lead["missing"]) == ("pending", ["contact_title"])
    owner = lead["owner"]["id"]
    rep = signed_in(api, api.key("rep", owner))
    assert f'action="/app/leads/{entered}/check"' not in rep.get(f"/app/leads/{entered}").text
    mia = signed_in(api, api.key("manager"))
    page = mia.get(f"/app/leads/{entered}").text
    assert f'action="/app/leads/{entered}/check"' in page
    lacking = mia.post(
        f"/app/leads/{entered}/check", {"ok": "true", "version": VERSION.search(page).group(1)}
    )
    assert lacking.status_code == 409
    assert "required field(s) still empty: contact_title" in " ".join(refused(lacking.text))
    # the page says what the check needs, and its form corrects it: the missing first
    action = f"/app/leads/{entered}/check"
    page = mia.get(f"/app/leads/{entered}").text
    assert re.search(r'id="missing">Title<', page)
    chinese = signed_in(api, api.key("manager"), language="zh-CN").get(f"/app/leads/{entered}")
    assert "必填但仍为空" in chinese.text and "核查录入：照录入通过，或更正后通过" in chinese.text
    drawn = form_values(page, action)
    fixes = [name.removeprefix("fix.") for name in drawn if name.startswith("fix.")]
    assert fixes[0] == "contact_title" and {"phone", "industry", "company_size"} <= set(fixes)
    assert (drawn["fix.company_size"], drawn["fix.phone"]) == ("large", lead["phone"])
    bad = mia.post(action, drawn | {"fix.contact_title": "CTO", "fix.company_size": "?"})
    assert bad.status_code == 422 and 'id="check-fix.company_size-err"' in bad.text
    assert form_values(bad.text, action)["fix.contact_title"] == "CTO"  # kept as sent
    assert ok(team.manager.get(f"/leads/{entered}"))["check_state"] == "pending"
    mia.act(entered, "check", drawn | {"fix.contact_title": "CTO"})
    checked = ok(team.manager.get(f"/leads/{entered}"))
    assert (checked["check_state"], checked["checked_by"]) == ("fixed", "manager:test manager")
    assert (checked["contact_title"], checked["missing"], checked["phone"]) == (
        "CTO",
        [],
        lead["phone"],
    )
    assert "checked and fixed" in mia.get(f"/app/leads/{entered}").text

    # a complete entry is checked as entered: its form sent as drawn
    other = ok(team.manager.post("/leads", json=f.lead_record(contact_title="CFO")), 201)["id"]
    mia.act(
        other,
        "check",
        form_values(mia.get(f"/app/leads/{other}").text, f"/app/leads/{other}/check"),
    )
    assert ok(team.manager.get(f"/leads/{other}"))["check_state"] == "ok"

    before = checked["facts_confirmed_at"]
    rep.act(entered, "verify")
    assert ok(team.manager.get(f"/leads/{entered}"))["facts_confirmed_at"] > before


def _period(person: Person) -> str:
    """The period the team page works on, as it names it (the current quarter)."""
    return re.search(r"<h1>[^<]*· (\S+)</h1>", person.get("/app/team").text).group(1)


def test_the_review_meetings_notes_for_the_period(api):
    team = roster(api)
    mia = signed_in(api, api.key("manager"))
    period = _period(mia)
    nothing = mia.post("/app/team/notes", {"team_id": "", "success": " "})
    assert nothing.status_code == 422
    assert "give at least one of success, failure or improve" in " ".join(refused(nothing.text))
    assert 'id="notes-success-err"' in nothing.text
    done = mia.post(
        "/app/team/notes",
        {"success": "first contact within the hour\nweekly pipeline review", "improve": "ask"},
    )
    assert (done.status_code, done.headers["location"]) == (303, "/app/team#notes")
    company = ok(team.manager.get(f"/reviews/{period}/notes"))[0]
    assert (company["team_id"], company["success"], company["improve"]) == (
        None,
        ["first contact within the hour", "weekly pipeline review"],
        ["ask"],
    )
    mia.get("/app/team")
    for_east = mia.post("/app/team/notes", {"team_id": str(team.team_id), "failure": "slow"})
    assert for_east.status_code == 303
    east = ok(team.manager.get(f"/reviews/{period}/notes", params={"team_id": team.team_id}))
    assert [(n["team"], n["failure"]) for n in east if n["team_id"]] == [("East", ["slow"])]


def test_a_target_proposed_then_approved_by_a_director(api):
    team = roster(api)
    mia = signed_in(api, api.key("manager"))
    boss = signed_in(api, api.key("director"))
    period = _period(mia)
    both = mia.post(
        "/app/team/targets",
        {"period": period, "team_id": str(team.team_id), "rep_id": str(team.rep_ids[0])},
    )
    assert both.status_code == 422
    assert "a target belongs to exactly one team or one rep" in " ".join(refused(both.text))
    # teams and reps are chosen by name, and the refused form keeps what was chosen
    assert f'<option value="{team.team_id}" selected>East</option>' in both.text
    assert re.search(rf'<option value="{team.rep_ids[0]}" selected>[^<]+ \(#', both.text)
    too_high = mia.post(
        "/app/team/targets", {"period": period, "team_id": str(team.team_id), "repeat_rate": "2"}
    )
    assert too_high.status_code == 422 and 'id="target-repeat_rate-err"' in too_high.text
    assert ok(team.manager.get("/targets", params={"period": period})) == []

    mia.get("/app/team")
    proposed = mia.post(
        "/app/team/targets",
        {"period": period, "team_id": str(team.team_id), "revenue": "5000000"}
        | {"new_customers": "12", "valid_leads.trade_show": "3", "valid_leads.referral": ""},
    )
    assert (proposed.status_code, proposed.headers["location"]) == (303, "/app/team#target")
    [target] = ok(team.manager.get("/targets", params={"period": period}))
    assert (target["team"], target["revenue"], target["status"]) == ("East", 5000000, "proposed")
    assert target["valid_leads"] == {"trade_show": 3}  # a channel left empty asks nothing
    negative = mia.post(
        "/app/team/targets",
        {"period": period, "team_id": str(team.team_id), "valid_leads.referral": "-1"},
    )
    assert negative.status_code == 422 and "greater than or equal to 0" in negative.text
    assert 'name="valid_leads.referral" value="-1"' in negative.text  # kept as sent
    approval = f'action="/app/team/targets/{target["id"]}/approval"'
    assert approval not in mia.get("/app/team").text  # a director's to approve
    by_manager = mia.post(f"/app/team/targets/{target['id']}/approval")
    assert by_manager.status_code == 403
    assert "a manager key may not do this" in " ".join(refused(by_manager.text))
    assert approval in boss.get("/app/team").text
    assert boss.post(f"/app/team/targets/{target['id']}/approval").status_code == 303
    filed = ok(team.manager.get(f"/targets/{target['id']}"))
    assert (filed["status"], filed["approved_by"]) == ("filed", "director:test director")
    assert approval not in boss.get("/app/team").text


def test_the_new_forms_speak_chinese(api):
    lead_id, ann, _boss, _director = _negotiation(api)
    zh = signed_in(api, api.key("manager"), language="zh-CN")
    lead = zh.get(f"/app/leads/{lead_id}").text
    for said in ("谈判纪要", "子阶段", "确认事实仍然有效"):
        assert said in lead, said
    team = zh.get("/app/team").text
    assert "填写复盘会结论" in team and "设定或提议目标" in team
    assert "每周来自展会的有效线索" in team  # a channel by its label
    del ann
