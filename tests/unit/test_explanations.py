"""System-made explanations (leadflow.rules.explain) are stored in English and shown in the
reader's language, phrase by phrase; a person's own words are shown as written."""

from __future__ import annotations

from leadflow.i18n import EXTRA_VALUES, explain, use_locale
from leadflow.rules.explain import ASSIGNED, COVERED, LEAST_LOADED, STEP, TERRITORY, load
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
