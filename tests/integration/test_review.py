"""The periodic review on a hand-made pipeline with known numbers, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.assign import assign_lead
from leadflow.lifecycle.contract import ContractIn
from leadflow.lifecycle.plans import PlanIn, approve_plan, submit_plan
from leadflow.review.build import build_review, review_markdown
from leadflow.review.period import Period
from leadflow.rules.facts import OpportunityFacts
from leadflow.store.models import FieldChange, Lead
from leadflow.store.uow import UnitOfWork
from leadflow.team.targets import set_target
from tests import factories as f
from tests.factories import DIRECTORS

UTC = dt.UTC
Q3 = Period.parse("2026-Q3")
REVIEWED_AT = dt.datetime(2026, 10, 5, tzinfo=UTC)
A_DEAL = OpportunityFacts(
    urgency="immediate", budget=1_500_000, competition="parity", decision_chain="simple"
)
B_DEAL = OpportunityFacts(
    urgency="urgent", budget=400_000, competition="advantage", decision_chain="medium"
)
C_DEAL = OpportunityFacts(
    urgency="normal", budget=200_000, competition="disadvantage", decision_chain="complex"
)
LOW = {"contact_role": "influencer", "company_size": "small", "budget_max": 60000}  # score 40
INVALID = {"contact_role": "user", "budget_max": None, "timeline": None}


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A UTC time in 2026."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


PLAN = PlanIn(
    pain_points="slow month-end close",
    advantages="local support",
    strategy="workshop, then a pilot",
    milestones="pilot in May, contract in June",
    # Wide enough for every contract value the tests sign at.
    price_min=Decimal(10_000),
    price_max=Decimal(2_000_000),
)


class Pipeline:
    """Builds leads through the real services, at chosen times."""

    def __init__(self, uow: UnitOfWork, rules) -> None:
        self.s, self.rules = uow.session, rules

    def lead(self, created: dt.datetime, owner: int | None = None, **record) -> Lead:
        summary = store_leads(
            self.s, [(1, f.lead_record(**record))], "test", self.rules, now=created
        )
        process_new_leads(self.s, summary.lead_ids, created, self.rules)
        lead = self.s.get(Lead, summary.lead_ids[0])
        if owner is not None and lead.owner_id != owner:
            assign_lead(self.s, lead.id, owner, by="mia", now=created, rules=self.rules)
        return lead

    def contact(self, lead: Lead, when: dt.datetime) -> None:
        svc.log_activity(
            self.s, lead.id, channel="phone", key_points="intro", now=when, rules=self.rules
        )

    def opportunity(
        self, lead: Lead, when: dt.datetime, facts: OpportunityFacts, budget: int = 1_500_000
    ) -> None:
        svc.update_conversion(self.s, lead.id, intent_stated=True, budget_confirmed=Decimal(budget))
        svc.fire_trigger(self.s, lead.id, "qualify", by="ann", now=when, rules=self.rules)
        svc.assess_opportunity(self.s, lead.id, facts, by="ann", now=when, rules=self.rules)

    def win(
        self,
        lead: Lead,
        opportunity_at: dt.datetime,
        won_at: dt.datetime,
        facts: OpportunityFacts,
        value: str,
    ) -> None:
        self.opportunity(lead, opportunity_at, facts)
        self.negotiate(lead, opportunity_at)
        f.sign(
            self.s,
            lead.id,
            ContractIn(value=Decimal(value)),
            by="ann",
            now=won_at,
            rules=self.rules,
        )

    def negotiate(self, lead: Lead, when: dt.datetime) -> None:
        submit_plan(
            self.s, lead.id, PLAN, by="ann", now=when, rules=self.rules, directors=DIRECTORS
        )
        approve_plan(self.s, lead.id, role="director", by="dan", now=when, rules=self.rules)
        svc.fire_trigger(self.s, lead.id, "start_negotiation", by="ann", now=when, rules=self.rules)

    def lose(self, lead: Lead, when: dt.datetime, reason: str) -> None:
        svc.fire_trigger(
            self.s, lead.id, "lose", by="ann", now=when, rules=self.rules, reason=reason
        )


@pytest.fixture
def ids(uow, rules) -> dict[str, int]:
    """Ten leads created in 2026-Q3 over two channels, plus leads that must not count."""
    s = uow.session
    team = f.team(s)
    ann, bob = f.rep(s, team.id, name="Ann"), f.rep(s, team.id, name="Bob")
    p = Pipeline(uow, rules)
    w1 = p.lead(Q3.start, ann.id)  # the period's first instant counts
    p.contact(w1, Q3.start + dt.timedelta(hours=1))  # medium priority: due in 4 hours
    p.win(w1, at(7, 10), at(7, 15), A_DEAL, "100000")  # 5 days
    w2 = p.lead(at(7, 2), ann.id)
    p.contact(w2, at(7, 2, 14))  # 5 h: breached
    p.win(w2, at(7, 10), at(8, 9), B_DEAL, "200000")  # 30 days
    w3 = p.lead(at(7, 3), bob.id)  # never contacted
    p.lose(w3, at(8, 1), "price")
    w4 = p.lead(at(7, 4), ann.id)  # open, budget_max 250,000
    p.contact(w4, at(7, 4, 10))
    p.lead(at(7, 5), **INVALID)
    p.lead(at(7, 6), **INVALID)
    r1 = p.lead(at(7, 7), bob.id, source="referral", **LOW)  # low priority: 24 hours
    p.contact(r1, at(7, 7, 11))
    p.win(r1, at(7, 20), at(9, 28), A_DEAL, "50000.40")  # 70 days
    r2 = p.lead(at(7, 8), ann.id, source="referral", **LOW)
    p.contact(r2, at(7, 9, 15))  # 30 h: breached
    p.lose(r2, at(9, 1), "competitor")
    r3 = p.lead(at(7, 9), bob.id, source="referral", **LOW)
    p.lose(r3, at(9, 2), "competitor: cheaper offer")
    r4 = p.lead(at(7, 10), bob.id, source="referral", **LOW)  # open opportunity, grade C
    p.opportunity(r4, at(7, 20), C_DEAL, budget=200_000)
    # Not in the cohort: created in Q2 but won in Q3 (a win of the period, and a repeat
    # purchase: the same company bought in W1 five days earlier) ...
    o1 = p.lead(at(6, 20), ann.id)
    p.win(o1, at(6, 25), at(7, 20), B_DEAL, "30000")  # 25 days
    o1.company_key = w1.company_key
    # ... created at the first instant after the period, created and lost before it,
    # and a duplicate merged into W4 (never counted, even as open pipeline).
    p.lead(Q3.end, **INVALID)
    o3 = p.lead(Q3.start - dt.timedelta(seconds=30), bob.id)
    p.lose(o3, Q3.start - dt.timedelta(seconds=10), "no_budget")
    dup = p.lead(at(7, 11), ann.id)
    dup.duplicate_of_id = w4.id
    for lead, old, new, when in [
        (w4, "B", "A", at(8, 15)),
        (r4, "A", "B", at(9, 30, 23, 59)),
        (w4, "A", "B", Q3.end),
        (w3, None, "C", at(8, 1)),
        (w4, "B", "A", Q3.start - dt.timedelta(seconds=1)),
    ]:
        s.add(
            FieldChange(
                lead_id=lead.id, field="grade", old_value=old, new_value=new, actor="test", at=when
            )
        )
    set_target(s, "2026-Q3", rep_id=ann.id, revenue=400_000, new_customers=4, repeat_rate=0.25)
    set_target(s, "2026-Q3", team_id=team.id, revenue=Decimal(1_000_000))
    set_target(s, "2026-Q2", rep_id=bob.id, revenue=1)
    uow.commit()
    return {"ann": ann.id, "bob": bob.id, "team": team.id}


def test_headline_and_funnel(uow, ids):
    r = build_review(uow.session, Q3, REVIEWED_AT)
    assert (r.period, r.kind, r.start, r.end) == ("2026-Q3", "quarter", Q3.start, Q3.end)
    assert (r.total_leads, r.valid_leads, r.opportunities, r.grade_a_opportunities) == (10, 8, 4, 2)
    assert (r.cohort_won, r.conversion_rate) == (3, 0.375)
    assert (r.won_deals, r.won_value, r.average_deal_size) == (4, 380000.40, 95000.10)
    assert [(s.state, s.count, s.share) for s in r.funnel] == [
        ("created", 10, 1.0),
        ("screened", 8, 0.8),
        ("nurturing", 8, 0.8),
        ("opportunity", 4, 0.4),
        ("negotiation", 3, 0.3),
        ("won", 3, 0.3),
    ]


def test_cycle_and_channels(uow, ids):
    r = build_review(uow.session, Q3, REVIEWED_AT)
    assert r.average_cycle_days == 32.5  # (5 + 30 + 70 + 25) / 4
    assert {b.label: b.count for b in r.cycle_distribution} == {
        "0-7": 1,
        "8-14": 0,
        "15-30": 2,
        "31-60": 0,
        "61-90": 1,
        "90+": 0,
    }
    assert [c.model_dump() for c in r.channels] == [
        {
            "channel": "website_form",
            "leads": 6,
            "touched": 6,
            "valid": 4,
            "won": 2,
            "conversion_rate": 0.5,
            "deals_won": 3,
            "won_value": 330000.0,
            "average_deal_size": 110000.0,
        },
        {
            "channel": "referral",
            "leads": 4,
            "touched": 4,
            "valid": 4,
            "won": 1,
            "conversion_rate": 0.25,
            "deals_won": 1,
            "won_value": 50000.40,
            "average_deal_size": 50000.40,
        },
    ]


def test_losses_and_sla(uow, ids):
    r = build_review(uow.session, Q3, REVIEWED_AT)
    assert r.lost_deals == 3  # disqualified leads and the Q2 loss are not lost deals of Q3
    assert [(s.reason, s.count, s.share) for s in r.loss_reasons] == [
        ("competitor", 2, 0.6667),
        ("price", 1, 0.3333),
    ]
    assert [s.model_dump() for s in r.sla] == [
        {"priority": "medium", "met": 2, "breached": 2, "pending": 0, "compliance": 0.5},
        {"priority": "low", "met": 1, "breached": 3, "pending": 0, "compliance": 0.25},
    ]
    assert r.sla_compliance == 0.375
    early = build_review(uow.session, Q3, at(7, 10, 10))  # R4 is not yet due then
    assert early.sla[1].model_dump() == {
        "priority": "low",
        "met": 1,
        "breached": 2,
        "pending": 1,
        "compliance": 0.3333,
    }


def test_reps_and_teams_against_target(uow, ids):
    r = build_review(uow.session, Q3, REVIEWED_AT)
    ann, bob = r.reps
    assert ann.model_dump() == {
        "id": ids["ann"],
        "name": "Ann",
        "team": bob.team,
        "open_leads": 1,
        "open_value": 250000.0,
        "won": 3,
        "won_value": 330000.0,
        "lost": 1,
        "win_rate": 0.75,  # won / (won + lost): 3 / (3 + 1)
        "new_customers": 2,
        "repeat_rate": 0.3333,
        "target_revenue": 400000.0,
        "target_new_customers": 4,
        "target_repeat_rate": 0.25,
        "revenue_progress": 82.5,
        "new_customers_progress": 50.0,
        "late_logs": 0,
    }
    assert (bob.name, bob.open_leads, bob.open_value, bob.won, bob.won_value) == (
        "Bob",
        1,
        200000.0,
        1,
        50000.40,
    )
    assert (bob.target_revenue, bob.revenue_progress, bob.new_customers_progress) == (
        None,
        None,
        None,
    )  # Bob's target is for Q2
    (team,) = r.teams
    # Every deal lost in the quarter is a rep's and a team's: Bob 1 won of 3, East 4 of 7.
    assert (bob.lost, bob.win_rate, team.lost, team.win_rate) == (2, 0.3333, 3, 0.5714)
    assert team.lost == r.lost_deals
    assert (team.id, team.open_leads, team.open_value, team.won, team.won_value) == (
        ids["team"],
        2,
        450000.0,
        4,
        380000.40,
    )
    assert (team.new_customers, team.repeat_rate, team.target_revenue, team.revenue_progress) == (
        3,
        0.25,
        1000000.0,
        38.0,
    )


def test_grade_changes_and_markdown(uow, ids):
    r = build_review(uow.session, Q3, REVIEWED_AT)
    assert [(m.old, m.new, m.count) for m in r.grade_changes] == [("A", "B", 1), ("B", "A", 1)]
    text = review_markdown(r)
    assert text.startswith("# Pipeline review 2026-Q3\n")
    assert "Quarter from Jul 1, 2026 to Sep 30, 2026 (UTC)" in text
    assert "| Conversion rate (won / valid) | 37.5% |" in text
    assert "| Won value | 380,000.40 |" in text
    assert "| website form | 6 | 4 | 2 | 50.0% | 3 | 330,000.00 | 110,000.00 |" in text
    assert "| Ann | " in text and "| 82.5% |" in text
    for title in (
        "Funnel",
        "Channels",
        "Deal cycle",
        "Loss reasons",
        "First-contact SLA",
        "Reps against target",
        "Teams against target",
        "Grade changes",
    ):
        assert f"## {title}" in text


def test_month_review_and_other_periods(uow, ids):
    july = build_review(uow.session, Period.parse("2026-07"), REVIEWED_AT)
    assert (july.total_leads, july.won_deals, july.won_value) == (10, 2, 130000.0)
    assert july.reps[0].target_revenue is None  # targets are per period label
    q2 = build_review(uow.session, Q3.previous(), REVIEWED_AT)
    assert (q2.total_leads, q2.valid_leads, q2.won_deals, q2.lost_deals) == (2, 2, 0, 1)
    assert q2.reps[1].target_revenue == 1.0
