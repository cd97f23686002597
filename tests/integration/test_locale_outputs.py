"""The team's language: the review, the handoff package and every notification in zh_CN,
from the same services and the same known pipeline as the English tests (test_review)."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from leadflow.errors import InvalidInput
from leadflow.followup.reminders import due_items, notify_dormant, remind
from leadflow.handoff.package import produce_handoffs
from leadflow.i18n import current_locale, label, use_locale
from leadflow.lifecycle.assign import assign_lead
from leadflow.lifecycle.objections import add_objection
from leadflow.review.build import build_review, review_markdown
from leadflow.review.html import review_html
from leadflow.review.xlsx import write_review_xlsx
from leadflow.settings import Settings, get_settings
from leadflow.store.models import Lead
from leadflow.store.outbound_models import OutboxMessage
from tests import factories as f
from tests.integration.test_handoff_outputs import _settings, won  # noqa: F401
from tests.integration.test_review import Q3, REVIEWED_AT, Pipeline, at, ids  # noqa: F401
from tests.integration.test_review_outputs import _page

TEMPLATE_SHEETS = [
    "线索信息表",
    "线索培育跟进表",
    "商机评估分级表",
    "转化复盘分析表",
    "汇总",
    "客户分级",
    "活动目标",
]
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_review_in_chinese_markdown(uow, ids):  # noqa: F811
    with use_locale("zh_CN"):
        text = review_markdown(build_review(uow.session, Q3, REVIEWED_AT))
    assert text.startswith("# 销售管道复盘 2026-Q3\n")
    assert "季度：2026年7月1日 至 2026年9月30日（UTC）" in text
    assert "| 转化率（赢单/有效线索） | 37.5% |" in text
    assert "| 官网 | 6 | 4 | 2 | 50.0% | 3 | 330,000.00 | 110,000.00 |" in text
    assert "| 竞争对手 | 2 | 66.7% |" in text and "| 价格 | 1 | 33.3% |" in text
    assert "| 中 | 2 | 2 | 0 | 50.0% |" in text  # SLA of medium priority
    assert "| A级 | B级 | 1 |" in text
    for english in ("Pipeline review", "website_form", "Loss reasons", "competitor"):
        assert english not in text, english


def test_the_review_page_in_chinese_with_chinese_chart_labels(uow, ids):  # noqa: F811
    with use_locale("zh_CN"):
        html = review_html(build_review(uow.session, Q3, REVIEWED_AT))
    assert '<html lang="zh-CN">' in html and "<h1>销售管道复盘 2026-Q3</h1>" in html
    page = _page(html)
    assert page.tables["channels"][1][0] == "官网"
    funnel = [r[0] for r in page.tables["funnel"][1:]]
    assert "当前处于技术评估阶段" in funnel  # a sub-stage row (rule book §7), in Chinese too
    assert [r for r in funnel if not r.startswith("当前")] == [
        "新增",
        "已筛选",
        "培育中",
        "商机",
        "谈判中",
        "赢单",
    ]
    assert [r[0] for r in page.tables["sla"][1:]] == ["中", "低"]
    texts = {}
    for key, src in page.images.items():
        svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
        # The labels are text for the browser to draw, not paths in a font without them.
        texts[key] = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    assert "官网" in texts["chart-channels"] and "转介绍" in texts["chart-channels"]
    assert "赢单" in texts["chart-funnel"] and "竞争对手" in texts["chart-losses"]
    assert "商机至赢单天数" in texts["chart-cycle"] and "达标" in texts["chart-sla"]
    assert all(HAN.search(t) for t in texts.values()), texts


def test_the_workbook_has_the_seed_templates_sheets_and_headers(uow, ids, tmp_path):  # noqa: F811
    """Spec §9: "The review goes to the managers as a readable report with charts and as
    tables they can open in a spreadsheet"; in zh_CN those are the seed templates' sheets."""
    s = uow.session
    with use_locale("zh_CN"):
        counts = write_review_xlsx(
            s, build_review(s, Q3, REVIEWED_AT), tmp_path / "q3.xlsx", "system"
        )
    book = load_workbook(tmp_path / "q3.xlsx")
    assert book.sheetnames == TEMPLATE_SHEETS
    assert counts["Lead register"] == 10  # counts stay keyed by the English titles
    register = [c.value for c in book["线索信息表"][1]]
    for header in (
        "线索编号",
        "线索来源",
        "企业名称",
        "联系人",
        "电话",
        "邮箱",
        "初步需求描述",
        "线索状态",
        "优先级",
        "线索等级",
        "负责人",
        "流失原因",
        "预算上限",
    ):
        assert header in register, header
    rows = [
        dict(zip(register, [c.value for c in r], strict=True))
        for r in book["线索信息表"].iter_rows(min_row=2)
    ]
    assert {r["线索来源"] for r in rows} == {"官网", "转介绍"}
    assert {r["线索状态"] for r in rows} >= {"赢单", "流失", "商机"}
    assert {r["流失原因"] for r in rows} >= {"价格", "竞争对手"}
    assert {r["预算上限"] for r in rows} == {"（受限）"}  # masked for another system, in Chinese
    log = [c.value for c in book["线索培育跟进表"][1]]
    assert log[:5] == ["跟进时间(UTC)", "线索编号", "企业名称", "销售代表", "跟进方式"]
    assert {r[4].value for r in book["线索培育跟进表"].iter_rows(min_row=2)} == {"电话"}
    grading = book["商机评估分级表"]
    headers = [c.value for c in grading[1]]
    assert "紧迫度" in headers and "商机等级" in headers
    urgency = headers.index("紧迫度")
    assert {r[urgency].value for r in grading.iter_rows(min_row=2)} >= {"立即（1个月内）"}
    review = book["转化复盘分析表"]
    assert [c.value for c in review[2]][:2] == ["合计", "期间 2026-Q3"]
    assert [c.value for c in book["汇总"][1]] == ["分类", "项目", "数值", "占比"]
    assert book["汇总"]["B2"].value == "新增线索"


def test_the_handoff_package_and_its_mail_in_chinese(uow, rules, won, tmp_path):  # noqa: F811
    """Spec §8: "a handoff package goes to the delivery / customer-service team and the
    managers" - in the team's language, labels and dates included."""
    s = uow.session
    with use_locale("zh_CN"):
        result = produce_handoffs(s, [won], at(7, 20), rules, _settings(), tmp_path)
    html = result.documents[f"lead-{won}.html"]
    assert '<html lang="zh-CN">' in html and "交付交接：" in html
    assert "合同金额" in html and "240,000" in html and "2026年10月1日" in html
    assert "决策者" in html and "价格" in html  # contact role, objection kind
    assert "谈判中 → 赢单" in html  # the timeline's transitions, labelled
    delivery = result.documents[f"lead-{won}-delivery.html"]
    assert "（受限）" in delivery and "CFO signs" not in delivery
    assert "交付团队" in delivery
    markdown = result.documents[f"lead-{won}.md"]
    assert markdown.startswith("\n# 交付交接：") or markdown.lstrip().startswith("# 交付交接：")
    subjects = {
        m.subject for m in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "handoff"))
    }
    assert len(subjects) == 1
    assert re.fullmatch(r"交付交接：.*（线索 #\d+），复盘截止 \d{4}年\d+月\d+日", subjects.pop())


def _messages(s, kind: str) -> list[OutboxMessage]:
    return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_assignment_reminder_escalation_and_dormancy_in_chinese(uow, rules):
    s = uow.session
    team = f.team(s, manager_email="mia@example.com")
    ann = f.rep(s, team.id, name="Ann", email="ann@example.com")
    with use_locale("zh_CN"):
        lead = Pipeline(uow, rules).lead(at(7, 1), source="trade_show")
        assigned = _messages(s, "assignment")[0]
        later = lead.first_contact_due + dt.timedelta(hours=1)
        remind(s, list(due_items(s, later, rules)), later, rules)
        a_day_later = later + dt.timedelta(days=2)
        remind(s, list(due_items(s, a_day_later, rules)), a_day_later, rules)
        notify_dormant(s, [lead.id], a_day_later, rules)
    assert lead.owner_id == ann.id
    assert re.fullmatch(rf"线索 #{lead.id} .*：[ABC]级，优先级[高中低]", assigned.subject)
    assert "已分配给您（Ann）" in assigned.body and "首次联系截止：2026年7月1日" in assigned.body
    reminder = _messages(s, "reminder")[0]
    assert reminder.subject.startswith(f"跟进提醒：线索 #{lead.id} ")
    assert reminder.subject.endswith("首次联系已超时") and "请在 LeadFlow 中登记" in reminder.body
    ups = _messages(s, "escalation")
    escalation = next(m for m in ups if m.subject.endswith("首次联系已超时"))
    assert escalation.subject.startswith("升级提醒：") and "已于 2026年7月1日 提醒 Ann" in (
        escalation.body
    )
    # No mail server here: the assignment notice never went out, so it went up too (§5).
    notice = next(m for m in ups if m is not escalation)
    assert notice.subject.endswith("负责人的分配通知仍未送达") and "Ann尚未获知该线索" in (
        notice.body
    )
    dormant = _messages(s, "dormant")[0]
    assert dormant.subject.startswith("沉睡线索：") and "激活计划" in dormant.body
    for message in (assigned, reminder, escalation, notice, dormant):
        assert not re.search(
            r"\b(Lead|Reminder|Escalation|Dormant|priority)\b", message.subject + message.body
        ), message.subject


def test_every_vocabulary_value_has_a_chinese_label():
    from leadflow.i18n import EXTRA_VALUES, VOCABULARIES

    with use_locale("zh_CN"):
        for vocabulary, enum in VOCABULARIES.items():
            for value in [*(v.value for v in enum), *EXTRA_VALUES.get(vocabulary, ())]:
                assert HAN.search(label(vocabulary, value)) or vocabulary == "grade", value
        assert label("grade", "A") == "A级" and label("channel", None) == "-"
    assert label("channel", "trade_show") == "trade show"  # English: the value, in words
    assert label("loss_reason", "competitor: cheaper offer") == "competitor: cheaper offer"


def test_the_locale_comes_from_the_setting_and_a_bad_one_is_named(monkeypatch):
    monkeypatch.setenv("LEADFLOW_LOCALE", "zh-CN")
    get_settings.cache_clear()
    try:
        assert current_locale() == "zh_CN"
        with use_locale("en"):
            assert current_locale() == "en"
        assert current_locale() == "zh_CN"
    finally:
        get_settings.cache_clear()
    with pytest.raises(InvalidInput, match=r"locale: 'fr' is not available; choose one of en"):
        with use_locale("fr"):
            pass
    with pytest.raises(ValueError, match="locale: 'fr' is not available"):
        Settings(locale="fr")
    with pytest.raises(ValueError, match="currency: 'XX' is not an ISO 4217 code"):
        Settings(currency="XX")


def test_amounts_in_a_configured_currency(uow, ids, monkeypatch):  # noqa: F811
    monkeypatch.setenv("LEADFLOW_CURRENCY", "CNY")
    get_settings.cache_clear()
    try:
        review = build_review(uow.session, Q3, REVIEWED_AT)
        with use_locale("zh_CN"):
            chinese = review_markdown(review)
        english = review_markdown(review)
    finally:
        get_settings.cache_clear()
    assert "| 赢单金额 | ¥380,000.40 |" in chinese
    assert "| Won value | CN¥380,000.40 |" in english


def test_a_lead_is_stored_the_same_whatever_the_language(uow, rules):
    """Labels are for people: the stored values stay the vocabulary's own."""
    team = f.team(uow.session)
    f.rep(uow.session, team.id)
    with use_locale("zh_CN"):
        lead = Pipeline(uow, rules).lead(at(7, 1), source="trade_show")
    stored = uow.session.get(Lead, lead.id)
    assert (stored.source, stored.state, stored.priority) == (
        "trade_show",
        "nurturing",
        stored.priority,
    )
    assert stored.priority in ("high", "medium", "low")


def test_reassignment_and_key_objection_notices_in_chinese(uow, rules):
    s = uow.session
    team = f.team(s, manager_email="mia@example.com")
    ann = f.rep(s, team.id, name="Ann", email="ann@example.com")
    bob = f.rep(s, team.id, name="Bob", email="bob@example.com")
    with use_locale("zh_CN"):
        lead = Pipeline(uow, rules).lead(at(7, 1))
        other = bob if lead.owner_id == ann.id else ann
        assign_lead(s, lead.id, other.id, by="mia", now=at(7, 2), rules=rules)
        add_objection(
            s, lead.id, kind="competitor", detail="rival is cheaper", now=at(7, 3), key=True
        )
    moved = _messages(s, "reassignment")[0]
    assert moved.subject == f"线索 #{lead.id} {lead.company_name} 已转给 {other.name}"
    objection = _messages(s, "key_objection")[0]
    assert objection.subject == f"关键异议：线索 #{lead.id} {lead.company_name}：竞争对手"
    assert "需团队讨论的关键异议：竞争对手：rival is cheaper" in objection.body
