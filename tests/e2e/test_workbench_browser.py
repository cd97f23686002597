"""Issue 32 in a real browser: Debian's headless Chromium, driven by Selenium through
Debian's chromedriver, signs in, is refused another rep's lead and a manager page, walks a
deal from assignment to win with the forms alone (the handoff follows), meets a stale edit,
and reads the pages in zh_CN. Each page's screenshot goes to
out/test-screenshots/workbench-*.png (docs/workbench.md shows them).
Slow: a browser start; run with `pytest -m "slow or reliability"`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.browser_harness import Browser, chromium_tab
from tests.e2e.test_handoff_delivery import stored_markdown
from tests.e2e.test_review_browser import chromium  # noqa: F401  (the fixture)
from tests.e2e.test_workbench import CONTRACT, PLAN, _produce_handoff

SHOTS = Path("out/test-screenshots")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromedriver() -> Iterator[str]:
    """Debian's chromedriver (package chromium-driver; .ci/run installs it). Selenium is
    given its path, and SE_OFFLINE keeps Selenium Manager off the network all the same."""
    found = shutil.which("chromedriver")
    if not found:
        pytest.skip(
            "chromedriver is not installed: `apt-get install -y chromium-driver` "
            "(.ci/run does this before the tests)"
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        yield found


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(sqlite_url, output_dir=tmp_path / "out") as running:
        yield running


def _sign_in(tab: Browser, api: Api, token: str) -> str:
    tab.open(f"{api.base}/app/login")
    return tab.submit("form[action='/app/login']", {"key": token})


def _act(tab: Browser, api: Api, lead_id: int, action: str, fields: dict[str, str]) -> str:
    tab.open(f"{api.base}/app/leads/{lead_id}")
    shown = tab.submit(f"form[action='/app/leads/{lead_id}/{action}']", fields)
    assert shown.startswith(f"/app/leads/{lead_id}\n") and "Refused" not in shown, shown
    return shown


def test_a_deal_from_assignment_to_win_in_the_browser(chromium, chromedriver, api, tmp_path):  # noqa: F811
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json=f.lead_record()), 201)["id"]
    api.process()
    with (
        chromium_tab(chromium, chromedriver, tmp_path / "ann") as ann,
        chromium_tab(chromium, chromedriver, tmp_path / "dana") as boss,
    ):
        ann.open(f"{api.base}/app/")
        assert ann.text().startswith("/app/login")  # no session: the sign-in
        ann.screenshot(SHOTS / "workbench-login.png")
        day = _sign_in(ann, api, api.key("rep", team.rep_ids[0]))
        assert day.startswith("/app/\n") and "New assignments" in day
        ann.screenshot(SHOTS / "workbench-day-rep.png")
        _act(ann, api, lead_id, "contact", {"channel": "phone", "key_points": "wants a pilot"})
        _act(
            ann, api, lead_id, "criteria", {"intent_stated": "true", "budget_confirmed": "1500000"}
        )
        _act(ann, api, lead_id, "transition", {"trigger": "qualify"})
        assess = {"urgency": "immediate", "budget": "1500000", "competition": "advantage"}
        _act(ann, api, lead_id, "assess", {**assess, "decision_chain": "simple"})
        _act(ann, api, lead_id, "plan", PLAN)
        _sign_in(boss, api, api.key("director"))
        _act(boss, api, lead_id, "approve", {})
        boss.screenshot(SHOTS / "workbench-lead-manager.png")
        _act(ann, api, lead_id, "transition", {"trigger": "start_negotiation"})
        _act(ann, api, lead_id, "contract", CONTRACT)
        ann.open(f"{api.base}/app/leads/{lead_id}")
        early = ann.submit(f"form[action='/app/leads/{lead_id}/win']")
        assert "has not been approved" in early  # the product's own message, by the form
        ann.screenshot(SHOTS / "workbench-refused-win.png")
        _act(boss, api, lead_id, "contract-approval", {})
        won = _act(ann, api, lead_id, "win", {})
        assert "won" in won
        contact = "Li Lei, 138 0000 0000"
        _act(ann, api, lead_id, "handoff", {"delivery_owner": "Dee", "customer_contact": contact})
        ann.screenshot(SHOTS / "workbench-lead-won.png")
        ann.open(f"{api.base}/app/pipeline")
        ann.screenshot(SHOTS / "workbench-pipeline.png")
        boss.open(f"{api.base}/app/")
        boss.screenshot(SHOTS / "workbench-day-manager.png")
        boss.open(f"{api.base}/app/queue")
        boss.screenshot(SHOTS / "workbench-queue.png")
        boss.open(f"{api.base}/app/team")
        boss.screenshot(SHOTS / "workbench-team.png")
    _produce_handoff(api, lead_id)
    assert "Dee" in stored_markdown(api.url, lead_id)


def test_refusals_a_stale_edit_and_chinese_in_the_browser(chromium, chromedriver, api, tmp_path):  # noqa: F811
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json=f.lead_record(contact_title="CFO")), 201)["id"]
    api.process()
    with chromium_tab(chromium, chromedriver, tmp_path / "bob") as bob:
        _sign_in(bob, api, api.key("rep", team.rep_ids[1]))
        refused = bob.open(f"{api.base}/app/leads/{lead_id}")
        assert "Refused" in refused and f"lead {lead_id} does not exist" in refused  # a 404
        manager_page = bob.open(f"{api.base}/app/queue")
        assert "Refused" in manager_page and "a rep key may not do this" in manager_page  # 403
    with chromium_tab(chromium, chromedriver, tmp_path / "ann") as ann:
        _sign_in(ann, api, api.key("rep", team.rep_ids[0]))
        ann.open(f"{api.base}/app/leads/{lead_id}")
        version = ann.value(f"form[action='/app/leads/{lead_id}/edit'] input[name='version']")
        change = {"version": int(version), "contact_title": "CEO"}
        ok(team.director.patch(f"/leads/{lead_id}", json=change))
        stale = ann.submit(f"form[action='/app/leads/{lead_id}/edit']", {"contact_title": "COO"})
        assert "changed by someone else" in stale and "contact title: CFO → CEO" in stale
        ann.screenshot(SHOTS / "workbench-stale-edit.png")
    with chromium_tab(chromium, chromedriver, tmp_path / "zh", language="zh-CN,zh;q=0.9") as zh:
        _sign_in(zh, api, api.key("rep", team.rep_ids[0]))
        assert "我的一天" in zh.text() and 'lang="zh-CN"' in zh.html()
        zh.screenshot(SHOTS / "workbench-day-zh_CN.png")
        lead = zh.open(f"{api.base}/app/leads/{lead_id}")
        assert "登记联系" in lead and "评分明细" in lead
        zh.screenshot(SHOTS / "workbench-lead-zh_CN.png")
        english = zh.open(f"{api.base}/app/lang/en?back=/app/")
        assert "My day" in english  # switched, whatever the browser asks for
