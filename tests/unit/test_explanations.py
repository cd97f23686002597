"""System-made explanations (leadflow.rules.explain) are stored in English and shown in the
reader's language, phrase by phrase; a person's own words are shown as written."""

from __future__ import annotations

from leadflow.i18n import EXTRA_VALUES, explain, use_locale
from leadflow.rules.explain import (
    ASSIGNED,
    COVERED,
    LEAST_LOADED,
    RATE,
    RATES,
    REINSTATED_BY_ON,
    STEP,
    TEAM_AVERAGE,
    TERRITORY,
    WON_OF_CLOSED,
    WOULD_FAIL,
    load,
)
from leadflow.rules.profile import Fit, PartFit, ProfileFit
from statemachines.lead import TRIGGERS

REASON = ASSIGNED.format(
    steps=STEP.join(
        (
            TERRITORY.format(region="east", industry="制造", kind="company", teams="华东团队"),
            COVERED.format(count=2),
            LEAST_LOADED.format(rep="王芳", load=load(0, 50)),
        )
    )
)


def test_an_assignment_reason_reads_the_same_in_english_and_is_told_in_chinese():
    assert REASON == (
        "assigned: territory east/制造/company -> 华东团队; 2 reps cover it; "
        "chose 王芳: least loaded (0/50), round-robin on ties"
    )
    with use_locale("en"):
        assert explain(REASON) == REASON
    with use_locale("zh_CN"):
        assert explain(REASON) == (
            "已分配：区域 east/制造/企业客户 → 华东团队；覆盖该区域的销售 2 人；"
            "选定 王芳：负荷最低（0/50），相同时轮流分配"
        )


def test_screening_reasons_and_a_persons_words():
    with use_locale("zh_CN"):
        assert explain("BANT 1/4 < 2: failed budget, need (vague)") == (
            "BANT 1/4，低于 2：未通过 预算、需求（含糊）"
        )
        assert explain("invalid: duplicate of lead 17") == "无效：与线索 17 重复"
        assert explain("new inquiry via trade_show") == "通过展会再次咨询"
        assert explain("answer the new inquiry via trade_show") == "答复通过展会的新咨询"
        assert explain("contract signed") == "合同已签署"  # a win without a reason given
        assert explain("客户预算已确认") == "客户预算已确认"
        assert explain("proposal presented") == "proposal presented"  # a rep's own words
        assert explain(None) == ""


def test_every_trigger_of_the_machine_has_a_label():
    assert set(EXTRA_VALUES["trigger"]) == set(TRIGGERS)


def test_profile_close_rate_and_reinstatement_reasons_are_told_in_chinese():
    outside = ProfileFit(
        (
            PartFit("industry", "餐饮", ["制造业", "物流"], Fit.outside),
            PartFit("region", "west", ["east"], Fit.outside),
        )
    ).reason()
    assert outside == (
        "outside target profile: industry 餐饮 (targets: 制造业, 物流), region west (targets: east)"
    )
    rates = RATES.format(
        rates=", ".join(
            (
                RATE.format(rep="王芳", rate="50%", basis=WON_OF_CLOSED.format(won=3, closed=6)),
                RATE.format(rep="李强", rate="40%", basis=TEAM_AVERAGE.format(closed=2, need=5)),
            )
        )
    )
    decision = REINSTATED_BY_ON.format(who="mia", day="2026-07-01")
    note = WOULD_FAIL.format(reason="BANT 1/4 < 2: failed budget", decision=decision)
    part = PartFit("industry", "餐饮", ["制造业"], Fit.outside).said()
    unchecked = PartFit("region", None, ["east"], Fit.unknown).said()
    assert (part, unchecked) == (
        "outside: 餐饮 (targets: 制造业)",
        "not given, so not checked (targets: east)",
    )
    with use_locale("zh_CN"):
        assert (explain(part), explain(unchecked)) == (
            "不符合：餐饮（目标：制造业）",
            "未提供，未检查（目标：east）",
        )
        assert explain(outside) == (
            "不在目标客户画像内：行业 餐饮（目标：制造业, 物流）、地区 west（目标：east）"
        )
        assert explain(rates) == (
            "比较成交率：王芳 50%（已结 6 单，赢 3 单）、"
            "李强 40%（团队平均（已结 2 单，少于 5 单））"
        )
        assert explain(note) == (
            "按筛选规则将不通过：BANT 1/4，低于 2：未通过 预算 — "
            "由 mia 于 2026-07-01 恢复为有效线索"
        )


def test_grade_reasons_are_told_in_chinese():
    with use_locale("zh_CN"):
        assert explain("not A: need clear, budget match partial, close within 60 days") == (
            "未达 A 级：未满足 需求明确、预算匹配：部分匹配、60 天内成交"
        )
        assert [explain(r) for r in ("need vague", "no budget", "decision power")] == [
            "需求含糊",
            "无预算",
            "有决策权",
        ]
