"""Nothing the system writes stays English in zh_CN (issue 33 item 5): a Chinese team's
quarter, made through the product's own services with Chinese names and notes, gives a
review (Markdown, HTML with its charts, workbook) and a handoff package (Markdown, HTML, the
mail) in which no run of English words is left - assignment and screening reasons,
transitions, loss reasons, states and sub-stages included."""

from __future__ import annotations

import base64
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from leadflow.handoff.package import produce_handoffs
from leadflow.i18n import use_locale
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.contract import ContractIn
from leadflow.lifecycle.objections import add_objection, answer_objection
from leadflow.lifecycle.plans import PlanIn, approve_plan, submit_plan
from leadflow.review.build import build_review, review_markdown
from leadflow.review.html import review_html
from leadflow.review.period import Period
from leadflow.review.xlsx import write_review_xlsx
from leadflow.settings import Settings
from leadflow.store.outbound_models import OutboxMessage
from leadflow.team.targets import set_target
from tests import factories as f
from tests.factories import DIRECTORS
from tests.integration.test_review import A_DEAL, B_DEAL, INVALID, Pipeline, at

Q3 = Period.parse("2026-Q3")
# Three or more English words in a row: a sentence or phrase the catalogue missed.
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:[\s,;:/()&+-]+[A-Za-z][A-Za-z'’-]+){2,}")
# What may stay Latin: addresses, links, commands quoted as code, times written in UTC.
ALLOWED = re.compile(r"\S+@\S+|https?://\S+|`[^`]*`|\(UTC\)")
PLAN = PlanIn(
    pain_points="月末结账耗时九天",
    advantages="本地化服务",
    strategy="先做需求调研，再试点",
    milestones="五月试点，六月签约",
    price_min=Decimal(10_000),
    price_max=Decimal(2_000_000),
)


def english_in(text: str) -> list[str]:
    """The runs of English words in `text`, once its allowed Latin is taken out."""
    return ENGLISH.findall(ALLOWED.sub(" ", text))


def _chinese_lead(p: Pipeline, when: dt.datetime, n: int, owner: int | None = None, **extra):
    record = {
        "company_name": f"华东制造{n}号有限公司",
        "contact_name": f"王伟{n}",
        "contact_title": "采购经理",
        "need": "替换电子表格，统一管理订单",
        "industry": "制造",
        "email": f"wang{n}@huadong{n}.example.cn",
        **extra,
    }
    return p.lead(when, owner, **record)


def _negotiate(p: Pipeline, lead_id: int, when: dt.datetime) -> None:
    submit_plan(p.s, lead_id, PLAN, by="ann", now=when, rules=p.rules, directors=DIRECTORS)
    approve_plan(p.s, lead_id, role="director", by="dan", now=when, rules=p.rules)
    svc.fire_trigger(p.s, lead_id, "start_negotiation", by="ann", now=when, rules=p.rules)


def _qualify(p: Pipeline, lead_id: int, when: dt.datetime, facts) -> None:
    svc.log_activity(p.s, lead_id, channel="phone", key_points="初次沟通", now=when, rules=p.rules)
    svc.update_conversion(p.s, lead_id, intent_stated=True, budget_confirmed=Decimal(800_000))
    svc.fire_trigger(p.s, lead_id, "qualify", by="ann", now=when, rules=p.rules)
    svc.assess_opportunity(p.s, lead_id, facts, by="ann", now=when, rules=p.rules)


@pytest.fixture
def quarter(uow, rules) -> int:
    """A Chinese team's Q3: leads assigned at intake, two screened out, one won with a
    contract, an objection and minutes, one lost, one open in negotiation."""
    s = uow.session
    team = f.team(s, name="华东团队", manager_email="mia@example.com")
    ann = f.rep(s, team.id, name="王芳", email="ann@example.com")
    f.rep(s, team.id, name="李强", email="li@example.com")
    p = Pipeline(uow, rules)
    won = _chinese_lead(p, at(7, 1), 1, ann.id, budget_min=90_000, budget_max=900_000)
    _qualify(p, won.id, at(7, 2), A_DEAL)
    _negotiate(p, won.id, at(7, 5))
    objection = add_objection(s, won.id, kind="price", detail="价格偏高", now=at(7, 6))
    answer_objection(s, won.id, objection.id, response="分期付款", by="ann", now=at(7, 7))
    f.sign(
        s,
        won.id,
        ContractIn(
            value=Decimal(640_000),
            payment_terms="预付30%，交付后付70%",
            delivery_date=dt.date(2026, 10, 1),
            promises=["ERP上线", "两个团队的培训"],
            acceptance="通过客户测试脚本即验收",
        ),
        by="ann",
        now=at(7, 20),
        rules=rules,
        reason="合同已签",
    )
    lost = _chinese_lead(p, at(7, 3), 2)
    _qualify(p, lost.id, at(7, 4), B_DEAL)
    svc.fire_trigger(s, lost.id, "lose", by="ann", now=at(8, 1), rules=rules, reason="price")
    open_deal = _chinese_lead(p, at(7, 8), 3)
    _qualify(p, open_deal.id, at(7, 9), B_DEAL)
    _negotiate(p, open_deal.id, at(7, 10))
    for n in (4, 5):
        _chinese_lead(p, at(7, 10 + n), n, **INVALID)
    set_target(s, "2026-Q3", rep_id=ann.id, revenue=1_000_000, new_customers=2)
    uow.commit()
    return won.id


def _visible(html: str) -> str:
    """A page's text as a reader meets it: the text between tags, image descriptions, and
    the labels of the charts (SVG, embedded as base64)."""
    charts = [
        " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", base64.b64decode(b).decode("utf-8")))
        for b in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    ]
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    alts = re.findall(r'(?:alt|title)="([^"]*)"', html)
    return " ".join([re.sub(r"<[^>]+>", " ", html), *alts, *charts])


def _cells(path: Path) -> str:
    book = load_workbook(path, read_only=True)
    texts = list(book.sheetnames)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            texts += [v for v in row if isinstance(v, str)]
    return "\n".join(texts)


def test_no_english_is_left_in_the_chinese_review_and_handoff(uow, rules, quarter, tmp_path):
    s = uow.session
    settings = Settings(delivery_recipients=["delivery@example.com"], delivery_owner="赵交付")
    with use_locale("zh_CN"):
        review = build_review(s, Q3, at(10, 5))
        write_review_xlsx(s, review, tmp_path / "q3.xlsx", "manager")
        texts = {
            "review.md": review_markdown(review),
            "review.html": _visible(review_html(review)),
            "review.xlsx": _cells(tmp_path / "q3.xlsx"),
        }
        handoff = produce_handoffs(s, [quarter], at(7, 21), rules, settings, tmp_path)
    for name, document in handoff.documents.items():
        texts[name] = _visible(document) if name.endswith(".html") else document
    for m in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "handoff")):
        texts[f"mail to {m.recipient}"] = f"{m.subject}\n{m.body}"
    assert len(texts) >= 6 and handoff.produced == [quarter]
    timeline = texts[f"lead-{quarter}.md"]
    assert (
        "| 已筛选 → 培育中（开始培育） | 线索录入 | 已分配：区域 east/制造/企业客户 → 华东团队；"
        in (timeline)
    )
    assert "选定 王芳：负荷最低（0/50），相同时轮流分配 |" in timeline
    assert "BANT 1/4，低于 2：未通过 预算、决策权、采购时间" in texts["review.xlsx"]
    found = {name: english_in(text) for name, text in texts.items()}
    assert {name: runs for name, runs in found.items() if runs} == {}


def test_the_scan_finds_english_and_passes_what_may_stay_latin():
    assert english_in("状态：assigned to the team") == ["assigned to the team"]
    assert english_in("王芳 (ann@example.com)，运行 `leadflow model train`，时间 (UTC)") == []
