"""Issue 29, item 5: the stage inside a deal (docs/rules.md §7, "Stages inside a deal",
seed 001 L95: 技术评估阶段, 价格谈判阶段), through the real services on a real store, and
counted in the review's funnel; the clock is passed in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from alembic import command
from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy import select, text

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.i18n import use_locale
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.plans import approve_plan, submit_plan
from leadflow.lifecycle.stages import set_stage
from leadflow.review.build import build_review
from leadflow.review.html import review_html
from leadflow.review.period import Period
from leadflow.review.render import review_markdown
from leadflow.review.xlsx import write_review_xlsx
from leadflow.rules.config import StageRules
from leadflow.store.db import engine_for
from leadflow.store.migrate import alembic_config, upgrade
from leadflow.store.models import FieldChange, Lead
from leadflow.store.queries import LeadFilter, sorted_leads
from tests import factories as f
from tests.integration.test_operations import A_FACTS, PLAN

MON = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)  # a Monday
NOV = Period.parse("2026-11")
OFF = StageRules(opportunity=[], negotiation=["价格谈判阶段"])


def hours(n: float) -> dt.datetime:
    return MON + dt.timedelta(hours=n)


def new_lead(uow, rules, qualify: bool = True) -> Lead:
    summary = store_leads(uow.session, [(1, f.lead_record())], "test", rules, now=MON)
    process_new_leads(uow.session, summary.lead_ids, MON, rules)
    lead_id = summary.lead_ids[0]
    svc.update_conversion(
        uow.session, lead_id, intent_stated=True, budget_confirmed=Decimal(1_500_000)
    )
    if qualify:
        svc.fire_trigger(uow.session, lead_id, "qualify", by="ann", now=MON, rules=rules)
    found = uow.session.get(Lead, lead_id)
    assert found is not None
    return found


@pytest.fixture
def team(uow):
    team = f.team(uow.session)
    f.rep(uow.session, team.id, name="Ann")
    return team


def history(uow, lead: Lead) -> list[tuple[str | None, str | None, str]]:
    rows = uow.session.scalars(
        select(FieldChange)
        .where(FieldChange.lead_id == lead.id, FieldChange.field == "sub_stage")
        .order_by(FieldChange.id)
    )
    return [(h.old_value, h.new_value, h.actor) for h in rows]


def test_a_new_opportunity_starts_at_the_first_sub_stage_and_moves_with_history(uow, rules, team):
    """Rule book §7: "A lead entering either state starts at its first sub-stage, and
    leaving the state clears it." and "Each move is kept in the lead's history"."""
    lead = new_lead(uow, rules)
    assert rules.stages.opportunity[:2] == ["需求确认", "技术评估阶段"]
    assert (lead.sub_stage, lead.sub_stage_at) == ("需求确认", MON)
    uow.session.info["actor"] = "rep:ann"
    set_stage(uow.session, lead.id, " 技术评估阶段 ", now=hours(5), rules=rules, at=hours(3))
    assert (lead.sub_stage, lead.sub_stage_at) == ("技术评估阶段", hours(3))
    set_stage(uow.session, lead.id, "技术评估阶段", now=hours(6), rules=rules)  # no change
    assert lead.sub_stage_at == hours(3)
    svc.fire_trigger(uow.session, lead.id, "requalify", by="ann", now=hours(7), rules=rules)
    assert (lead.state, lead.sub_stage, lead.sub_stage_at) == ("nurturing", None, None)
    assert history(uow, lead)[-2:] == [
        ("需求确认", "技术评估阶段", "rep:ann"),
        ("技术评估阶段", None, "rep:ann"),
    ]


def test_negotiation_starts_at_its_own_first_sub_stage(uow, rules, team):
    """Rule book §7: "by default 需求确认, 技术评估阶段, 方案报价 in an opportunity and
    价格谈判阶段, 合同审批 in a negotiation"."""
    lead = new_lead(uow, rules)
    svc.assess_opportunity(uow.session, lead.id, A_FACTS, by="ann", now=MON, rules=rules)
    submit_plan(uow.session, lead.id, PLAN, by="ann", now=MON, rules=rules, directors=f.DIRECTORS)
    approve_plan(uow.session, lead.id, role="director", by="dan", now=MON, rules=rules)
    svc.fire_trigger(uow.session, lead.id, "start_negotiation", by="ann", now=hours(1), rules=rules)
    assert (lead.sub_stage, lead.sub_stage_at) == ("价格谈判阶段", hours(1))
    set_stage(uow.session, lead.id, "合同审批", now=hours(2), rules=rules)
    assert lead.sub_stage == "合同审批"


def test_an_unknown_stage_is_refused_naming_the_accepted_ones(uow, rules, team):
    """Rule book §7: "A name the state does not list is refused, naming the ones it does"."""
    lead = new_lead(uow, rules)
    with pytest.raises(InvalidInput) as refused:
        set_stage(uow.session, lead.id, "价格谈判阶段", now=hours(1), rules=rules)
    assert "需求确认, 技术评估阶段, 方案报价" in str(refused.value)
    assert refused.value.errors == {"stage": "one of 需求确认, 技术评估阶段, 方案报价"}
    assert lead.sub_stage == "需求确认"


def test_a_lead_outside_the_deal_states_is_refused_naming_them(uow, rules, team):
    """Rule book §7: "as is a lead in any other state"."""
    lead = new_lead(uow, rules, qualify=False)
    with pytest.raises(GuardRefused, match="the lead is nurturing; only a lead in opportunity"):
        set_stage(uow.session, lead.id, "技术评估阶段", now=hours(1), rules=rules)
    assert lead.sub_stage is None


def test_a_time_before_the_current_sub_stage_or_the_state_is_refused(uow, rules, team):
    """Rule book §7: "a time before the lead entered its state or reached its current
    sub-stage is refused too"."""
    lead = new_lead(uow, rules)
    with pytest.raises(InvalidInput, match="before lead .* entered 'opportunity'"):
        set_stage(uow.session, lead.id, "方案报价", now=hours(4), rules=rules, at=hours(-1))
    set_stage(uow.session, lead.id, "方案报价", now=hours(4), rules=rules, at=hours(3))
    with pytest.raises(InvalidInput, match="reached '方案报价'"):
        set_stage(uow.session, lead.id, "技术评估阶段", now=hours(4), rules=rules, at=hours(2))
    with pytest.raises(InvalidInput, match="in the future"):
        set_stage(uow.session, lead.id, "技术评估阶段", now=hours(4), rules=rules, at=hours(9))


def test_an_empty_list_turns_sub_stages_off(uow, rules, team):
    """Rule book §7: "an empty list turns sub-stages off for that state"."""
    off = rules.model_copy(update={"stages": OFF})
    summary = store_leads(uow.session, [(1, f.lead_record())], "test", off, now=MON)
    process_new_leads(uow.session, summary.lead_ids, MON, off)
    lead_id = summary.lead_ids[0]
    svc.update_conversion(uow.session, lead_id, intent_stated=True, budget_confirmed=Decimal(1e6))
    lead = svc.fire_trigger(uow.session, lead_id, "qualify", by="ann", now=MON, rules=off)
    assert lead.sub_stage is None
    with pytest.raises(GuardRefused, match=r"sub-stages are off for opportunity"):
        set_stage(uow.session, lead_id, "技术评估阶段", now=hours(1), rules=off)


@pytest.mark.parametrize(
    ("stages", "says"),
    [
        ({"opportunity": ["A", "B", "A"]}, "opportunity names a sub-stage more than once: A"),
        ({"negotiation": ["  "]}, "at least 1 character"),
    ],
)
def test_the_stages_are_validated(stages, says):
    """Rule book §7: "each at most once per state" (and a name is never empty)."""
    with pytest.raises(ValidationError, match=says):
        StageRules.model_validate(stages)


def test_the_list_filters_by_sub_stage(uow, rules, team):
    """Rule book §7: "`leads list` (which filters by it with `--stage`)"."""
    first, second = new_lead(uow, rules), new_lead(uow, rules)
    set_stage(uow.session, second.id, "方案报价", now=hours(1), rules=rules)
    found = sorted_leads(uow.session, LeadFilter(sub_stage="方案报价"))
    assert [lead.id for lead, _p in found] == [second.id]
    assert first.sub_stage == "需求确认"


def test_the_funnel_counts_the_deals_at_each_sub_stage(uow, rules, team, tmp_path):
    """Rule book §9: "under opportunity and negotiation, how many of them are at each of
    its sub-stages now"."""
    leads = [new_lead(uow, rules) for _ in range(3)]
    set_stage(uow.session, leads[0].id, "技术评估阶段", now=hours(1), rules=rules)
    set_stage(uow.session, leads[1].id, "技术评估阶段", now=hours(1), rules=rules)
    uow.commit()
    review = build_review(uow.session, NOV, hours(48))
    step = next(s for s in review.funnel if s.state == "opportunity")
    assert [(s.stage, s.count) for s in step.sub_stages] == [
        ("需求确认", 1),
        ("技术评估阶段", 2),
        ("方案报价", 0),
    ]
    assert step.sub_stages[1].share == round(2 / review.total_leads, 4)
    negotiation = next(s for s in review.funnel if s.state == "negotiation")
    assert [(s.stage, s.count) for s in negotiation.sub_stages] == [
        ("价格谈判阶段", 0),
        ("合同审批", 0),
    ]
    assert review.model_dump(mode="json")["funnel"][3]["sub_stages"][1]["stage"] == "技术评估阶段"
    assert "| ↳ now at 技术评估阶段 | 2 |" in review_markdown(review)
    assert "now at 技术评估阶段" in review_html(review)
    with use_locale("zh_CN"):
        assert "| ↳ 当前处于技术评估阶段 | 2 |" in review_markdown(review)
    write_review_xlsx(uow.session, review, tmp_path / "review.xlsx")
    rows = [
        r for r in load_workbook(tmp_path / "review.xlsx")["Summary"].iter_rows(values_only=True)
    ]
    assert ("Funnel", "opportunity: now at 技术评估阶段", 2) in [r[:3] for r in rows]


def test_migration_0021_adds_and_drops_the_sub_stage(tmp_path):
    """Migration 0021_sub_stages: the columns come and go; deals stored before have none."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0020_negotiation_minutes")
    upgrade(url)
    engine = engine_for(url)

    def columns() -> set[str]:
        with engine.connect() as conn:
            return {c[1] for c in conn.execute(text("PRAGMA table_info(leads)"))}

    assert {"sub_stage", "sub_stage_at"} <= columns()
    command.downgrade(alembic_config(url), "0020_negotiation_minutes")
    assert not {"sub_stage", "sub_stage_at"} & columns()
    engine.dispose()
