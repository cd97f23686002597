"""The demo's quarter: reps work their leads through the real services and machine."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused
from leadflow.handoff.details import HandoffIn, set_handoff
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.contract import ContractIn, draft_contract, win
from leadflow.lifecycle.contract_approval import approve_contract
from leadflow.lifecycle.grade_confirmation import confirm_grade
from leadflow.lifecycle.objections import add_objection, answer_objection
from leadflow.lifecycle.plans import PlanIn, approve_plan, submit_plan
from leadflow.review.period import read_period
from leadflow.rules.approval import plan_grade, role_needed
from leadflow.rules.config import RulesConfig
from leadflow.rules.facts import OpportunityFacts
from leadflow.settings import get_settings
from leadflow.store.models import BehaviourEvent, Lead, SalesRep
from leadflow.store.target_models import Target
from leadflow.team.reps import add_rep, add_team
from leadflow.team.target_checks import approve_target
from leadflow.team.targets import set_target

from .generate import Organisation, behaviour

# Referrals and trade-show contacts convert better than ad clicks, as sales teams report.
CHANNEL_QUALITY = {"referral": 1.6, "trade_show": 1.25, "partner": 1.1, "online_ads": 0.75}
# Where the demo's grade-A plans are announced (the demo's organisation has no settings).
DEMO_DIRECTORS = ("directors@example.com",)
LOSS_WEIGHTS = {
    "price": 0.3,
    "competitor": 0.25,
    "no_budget": 0.15,
    "no_decision": 0.1,
    "need_changed": 0.1,
    "unresponsive": 0.1,
}
# Seed 002 (明确交付标准、付款周期、违约责任): the terms every demo contract states.
CONTRACT_TERMS = {
    "acceptance": "accepted when the agreed functions pass the customer's test script",
    "liability": "0.05% of the value a day late, capped at 10%",
    "confidentiality": "both parties keep the other's data confidential for 3 years",
    "legal_reviewed_by": "Lee (legal)",
}


def create_organisation(session: Session, org: Organisation, default_timezone: str = "UTC") -> None:
    """Create the teams (on the default zone's clock) and reps."""
    ids = {}
    for team in org.teams:
        ids[team["name"]] = add_team(session, team, default_timezone=default_timezone).id
    for rep in org.reps:
        data = {k: v for k, v in rep.items() if k != "team"}
        add_rep(session, {**data, "team_id": ids[rep["team"]]})


def set_targets(session: Session, period: str, rnd: random.Random) -> None:
    """The quarter's targets, proposed by the sales manager and filed by the director as
    the quarter opens: each rep a revenue, new-customer and repeat-rate goal and seed 004's
    activity targets (3 valid trade-show leads a week, 2 customers followed up a day), each
    team the sum of its reps' revenue and new customers."""
    opened = read_period(period).start
    by = "manager:demo"
    revenues: dict[int, Decimal] = {}
    customers_of: dict[int, int] = {}
    for rep in session.scalars(select(SalesRep).order_by(SalesRep.id)):
        revenue = Decimal(rnd.randrange(500_000, 2_500_001, 100_000))
        customers = rnd.randint(1, 4)
        set_target(
            session,
            period,
            rep_id=rep.id,
            revenue=revenue,
            new_customers=customers,
            repeat_rate=rnd.choice([0.1, 0.2, 0.3]),
            valid_leads={"trade_show": 3},
            follow_ups_per_day=2,
            by=by,
            now=opened,
        )
        if rep.team_id is not None:
            revenues[rep.team_id] = revenues.get(rep.team_id, Decimal(0)) + revenue
            customers_of[rep.team_id] = customers_of.get(rep.team_id, 0) + customers
    for team_id, revenue in revenues.items():
        set_target(
            session,
            period,
            team_id=team_id,
            revenue=revenue,
            new_customers=customers_of[team_id],
            repeat_rate=0.2,
            by=by,
            now=opened,
        )
    for target in session.scalars(select(Target).where(Target.period == read_period(period).label)):
        approve_target(session, target.id, "director:demo", opened)


def _at(base: dt.datetime, rnd: random.Random, lo_h: float, hi_h: float) -> dt.datetime:
    return base + dt.timedelta(hours=rnd.uniform(lo_h, hi_h))


def work_lead(
    session: Session, lead: Lead, rnd: random.Random, until: dt.datetime, rules: RulesConfig
) -> None:
    """Play one assigned lead forward from its assignment, stopping at `until`."""
    assert lead.assigned_at is not None
    lead_id, by = lead.id, f"rep-{lead.owner_id}"
    # First contact: most within the SLA, some late.
    t = _at(lead.assigned_at, rnd, 0.3, 30 if rnd.random() < 0.25 else 3.5)
    if t > until:
        return
    svc.log_activity(
        session,
        lead_id,
        channel=rnd.choice(["phone", "email"]),
        now=t,
        key_points="introduction call",
        feedback="interested",
        next_action="send case study",
        next_action_due=t + dt.timedelta(days=3),
        rules=rules,
    )
    promising = {"A": 0.6, "B": 0.25, "C": 0.05}[lead.grade or "C"] * CHANNEL_QUALITY.get(
        lead.source, 1.0
    )
    if rnd.random() > promising:
        if rnd.random() < 0.35:
            t = _at(t, rnd, 24 * 10, 24 * 40)
            if t <= until:
                svc.fire_trigger(
                    session,
                    lead_id,
                    "lose",
                    by=by,
                    now=t,
                    rules=rules,
                    reason=rnd.choice(["unresponsive", "no_budget", "need_changed"]),
                )
        return
    t = _at(t, rnd, 24 * 10, 24 * 45)
    if t > until:
        return
    svc.log_activity(
        session,
        lead_id,
        channel="meeting",
        now=t,
        key_points="needs workshop",
        feedback="budget discussed",
        rules=rules,
    )
    svc.update_conversion(
        session,
        lead_id,
        intent_stated=True,
        decision_maker_engaged=rnd.random() < 0.6,
        budget_confirmed=Decimal(rnd.choice([80_000, 150_000, 400_000, 1_200_000])),
        target_date=(t + dt.timedelta(days=rnd.randint(20, 120))).date(),
        now=t,
    )
    svc.fire_trigger(
        session, lead_id, "qualify", by=by, now=t, rules=rules, reason="intent and budget confirmed"
    )
    facts = OpportunityFacts.model_validate(
        {
            "urgency": rnd.choice(["immediate", "urgent", "normal"]),
            "budget": lead.budget_confirmed or Decimal(0),
            "competition": rnd.choices(["advantage", "parity", "disadvantage"], [0.35, 0.45, 0.2])[
                0
            ],
            "decision_chain": rnd.choice(["simple", "medium", "complex"]),
        }
    )
    svc.assess_opportunity(session, lead_id, facts, by=by, now=t, rules=rules)
    confirmed = _at(t, rnd, 1, 20)  # seed 002: the sales manager confirms the grade
    if confirmed <= until:
        confirm_grade(
            session,
            lead_id,
            by="demo-manager",
            now=confirmed,
            rules=rules,
            followers=DEMO_DIRECTORS,
        )
    t = _at(t, rnd, 24 * 7, 24 * 30)
    if t > until:
        return
    if rnd.random() < 0.2:
        svc.fire_trigger(
            session, lead_id, "requalify", by=by, now=t, rules=rules, reason="project delayed"
        )
        return
    budget = lead.budget_confirmed or Decimal(100_000)
    submit_plan(
        session,
        lead_id,
        PlanIn(
            pain_points="manual lead handling loses deals",
            advantages="faster rollout, local team",
            strategy="workshop with the decision makers, then a pilot",
            milestones="pilot in 4 weeks, contract in 8",
            # The range offered brackets the confirmed budget, which the win is signed at.
            price_min=(budget * Decimal("0.9")).quantize(Decimal(1)),
            price_max=(budget * Decimal("1.1")).quantize(Decimal(1)),
            terms="30% upfront, 70% on delivery",
        ),
        by=by,
        now=t,
        rules=rules,
        directors=DEMO_DIRECTORS,
    )
    role = "director" if lead.opportunity_grade == "A" else "manager"
    approve_plan(session, lead_id, role=role, by=f"demo-{role}", now=t, rules=rules)
    try:
        svc.fire_trigger(
            session,
            lead_id,
            "start_negotiation",
            by=by,
            now=t,
            rules=rules,
            reason="proposal presented",
        )
    except GuardRefused:
        return
    for _ in range(rnd.randint(0, 2)):
        obj = add_objection(
            session,
            lead_id,
            now=t,
            detail="asks for a discount",
            kind=rnd.choice(["price", "terms", "function", "competitor"]),
        )
        answered = _at(t, rnd, 1, 30)
        if answered <= until:
            answer_objection(
                session, lead_id, obj.id, response="offered phased payment", by=by, now=answered
            )
    t = _at(t, rnd, 24 * 14, 24 * 75)
    if t > until:
        return
    if rnd.random() < 0.4 * CHANNEL_QUALITY.get(lead.source, 1.0) ** 0.5 * {
        "A": 1.35,
        "B": 1.0,
        "C": 0.6,
    }[lead.opportunity_grade or "B"] * {"decision_maker": 1.2, "influencer": 1.0}.get(
        lead.contact_role or "", 0.8
    ):
        terms = ContractIn(
            value=budget,
            payment_terms=rnd.choice(["30% upfront, 70% on delivery", "net 30", "quarterly"]),
            delivery_date=(t + dt.timedelta(days=rnd.randint(30, 90))).date(),
            promises=["implementation", "training for 2 teams", "12 months support"],
            **CONTRACT_TERMS,
        )
        # Seed 001 (拟定合同并提交审批): drafted and reviewed by legal, approved, then signed.
        draft_contract(session, lead_id, terms, by=by, now=t - dt.timedelta(days=3))
        role = role_needed(plan_grade(lead.opportunity_grade, lead.grade), rules).value
        approve_contract(
            session, lead_id, role=role, by=role, now=t - dt.timedelta(days=2), rules=rules
        )
        win(session, lead_id, by=by, now=t, rules=rules)
        handed = _at(t, rnd, 1, 6)  # seed 003: a delivery owner, dates and the customer's contact
        if handed <= until:
            details = HandoffIn(
                delivery_owner=rnd.choice(["Dee Delivery", "Sam Service"]),
                delivery_start=handed.date() + dt.timedelta(days=7),
                go_live=terms.delivery_date,
                customer_contact=f"{lead.contact_name}, {lead.email or lead.phone}",
            )
            set_handoff(session, lead_id, details, now=handed, settings=get_settings())
    else:
        reason = rnd.choices(list(LOSS_WEIGHTS), list(LOSS_WEIGHTS.values()))[0]
        svc.fire_trigger(session, lead_id, "lose", by=by, now=t, rules=rules, reason=reason)


def assigned_ids(session: Session, lead_ids: list[int]) -> list[int]:
    """Which of these leads have an owner."""
    return list(
        session.scalars(select(Lead.id).where(Lead.id.in_(lead_ids), Lead.owner_id.is_not(None)))
    )


def add_behaviour(session: Session, seed: int, lead_ids: list[int], arrival: dt.datetime) -> None:
    """The generated web behaviour of the leads that arrived at `arrival`, none later."""
    for lead_id, kind, at in behaviour(seed, lead_ids, arrival):
        session.add(BehaviourEvent(lead_id=lead_id, kind=kind, at=min(at, arrival)))


def work_assigned(
    session: Session,
    lead_ids: list[int],
    rnd: random.Random,
    until: dt.datetime,
    rules: RulesConfig,
) -> int:
    """The owners play the assigned leads among `lead_ids` forward to `until`; returns how
    many leads had an owner."""
    owned = assigned_ids(session, lead_ids)
    for lead_id in owned:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        work_lead(session, lead, rnd, until, rules)
    return len(owned)
