"""Issue 17, the "What to build" bullets that test_seed_rules.py left without a test of
their own: re-entries in the transition history, JSONL intake events, an SLA that never
loosens, the silence rule configured per grade, and the close-rate window. Each test
follows a rule of the rule book (docs/rules.md; quotes are the original spec's words) or
the seed; clocks are passed in."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from leadflow.followup.regrade import regrade_chunk
from leadflow.followup.reminders import due_items, preview
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.update import update_lead
from leadflow.review.build import build_review
from leadflow.review.period import Period
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Grade
from leadflow.sheets.files import read_records
from leadflow.store.models import Lead, TransitionAudit
from leadflow.store.outbound_models import OutboxMessage
from leadflow.team.roster import closed_deals
from tests import factories as f
from tests.integration.test_seed_rules import MON, days, intake, team, to_opportunity  # noqa: F401


def test_each_opportunity_entry_stays_in_the_transition_history(uow, rules):
    """Rule book §2: "Every transition is recorded (from, to, trigger, who, when, reason)
    and its timestamp is kept per state"; the cycle counts from the first opportunity, and
    a re-entry's time stays in the history."""
    f.rep(uow.session, f.team(uow.session).id)
    lead = intake(uow, rules, when=days(-80))
    to_opportunity(uow, rules, lead, days(-70))
    svc.fire_trigger(uow.session, lead.id, "requalify", by="ann", now=days(-60), rules=rules)
    svc.fire_trigger(uow.session, lead.id, "qualify", by="ann", now=days(-10), rules=rules)
    entries = uow.session.scalars(
        select(TransitionAudit.at)
        .where(TransitionAudit.lead_id == lead.id, TransitionAudit.to_state == "opportunity")
        .order_by(TransitionAudit.at)
    ).all()
    assert entries == [days(-70), days(-10)]
    assert (lead.first_opportunity_at, lead.opportunity_at) == (days(-70), days(-10))


def test_jsonl_records_carry_behaviour_events(uow, rules, tmp_path):
    """Issue 17: "An intake record (API, CSV and JSONL) may carry behaviour events with their
    times"; rule book §4: behaviour points "capped at 40"."""
    f.rep(uow.session, f.team(uow.session).id)
    path = tmp_path / "leads.jsonl"
    events = [{"kind": "webinar", "at": f"2026-10-0{d}T09:00:00Z"} for d in (1, 2, 3)]
    path.write_text(
        json.dumps(f.lead_record(events=events))
        + "\n"
        + json.dumps(f.lead_record(events=[{"kind": "webinar"}]))
        + "\n",
        encoding="utf-8",
    )
    summary = store_leads(uow.session, read_records(path), "test", rules, now=MON)
    assert [r["row"] for r in summary.rejections] == [2]  # an event needs its time
    process_new_leads(uow.session, summary.lead_ids, MON, rules)
    lead = uow.session.get(Lead, summary.lead_ids[0])
    assert (lead.behaviour_score, lead.priority) == (40, "high")


def test_first_contact_due_tightens_but_never_loosens(uow, rules):
    """Rule book §6: "First contact: within the response SLA by priority: high 2 h, medium
    4 h"; issue 17: when priority rises before first contact the due time tightens, "It
    never loosens" (neither when the facts are edited down nor at the re-grade)."""
    f.rep(uow.session, f.team(uow.session).id)
    lead = intake(uow, rules, company_size="small", contact_role="influencer")
    assert lead.first_contact_due == MON + dt.timedelta(hours=4)
    for _ in range(3):
        svc.track_event(
            uow.session, lead.id, "webinar", now=MON + dt.timedelta(minutes=30), rules=rules
        )
    assert lead.priority == "high" and lead.first_contact_due == MON + dt.timedelta(hours=2)
    update_lead(
        uow.session,
        lead.id,
        {"contact_role": "user", "budget_max": None},
        now=MON + dt.timedelta(hours=1),
        rules=rules,
    )
    assert lead.priority != "high"
    regrade_chunk(uow.session, [lead.id], MON + dt.timedelta(hours=1), rules)
    uow.session.expire_all()
    assert uow.session.get(Lead, lead.id).first_contact_due == MON + dt.timedelta(hours=2)


def test_silence_rule_is_configured_per_grade(uow, rules):
    """Rule book §6: "The 3-day silence rule serves leads being actively worked (grade A,
    and opportunities)"; issue 17: "configurable per grade" - a team that lists C gets the
    3-day reminder for its C leads too."""
    f.rep(uow.session, f.team(uow.session).id)
    lead = intake(uow, rules, need="了解一下产品")
    assert lead.grade == "C"
    svc.log_activity(
        uow.session, lead.id, channel="phone", key_points="intro", now=MON, rules=rules
    )
    strict = rules.model_copy(
        update={"sla": rules.sla.model_copy(update={"no_follow_up_grades": [Grade.A, Grade.C]})}
    )

    def kinds(r: RulesConfig) -> set[str]:
        return {i.kind for i in due_items(uow.session, days(4), r) if i.lead_id == lead.id}

    assert kinds(rules) == set()
    assert kinds(strict) == {"no_follow_up"}


def test_close_rate_counts_deals_closed_within_the_window(uow, rules):
    """Seed: "A类线索优先分配给成交率高的资深销售"; issue 17: close rate is "won / (won + lost)
    over a configurable window" (assignment.close_rate.window_days)."""
    outcomes = iter([True, False, True, True, False, False])
    ids = f.closed_history(
        uow.session, rules, 6, MON - dt.timedelta(days=368), lambda record, rnd: next(outcomes)
    )
    assert len(ids) == 6

    def totals(r):  # (won, lost) over the team's reps
        found = closed_deals(uow.session, MON, r).values()
        return sum(w for w, _ in found), sum(lost for _, lost in found)

    # Closed at 367.5 ... 362.5 days before MON: the last three fall within 365 days.
    assert totals(rules) == (1, 2)
    wide = rules.model_copy(
        update={
            "assignment": rules.assignment.model_copy(
                update={
                    "close_rate": rules.assignment.close_rate.model_copy(
                        update={"window_days": 400}
                    )
                }
            )
        }
    )
    assert totals(wide) == (3, 3)


def test_undelivered_assignment_notice_goes_to_the_manager(uow, rules, team):  # noqa: F811
    """Rule book §5: "The owner is notified within 24 hours of assignment (default: at
    once)." A notice whose delivery fails past that deadline goes to the manager."""
    f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    slow = rules.model_copy(
        update={"assignment": rules.assignment.model_copy(update={"notify_within_hours": 24})}
    )
    notice = uow.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "assignment")
    ).one()
    notice.attempts = 1  # the sender tried and failed
    assert [
        m.kind
        for m in preview(uow.session, MON + dt.timedelta(hours=1), slow)
        if m.kind == "notify"
    ] == []
    (up,) = [m for m in preview(uow.session, days(1.1), slow) if m.kind == "notify"]
    assert (up.lead_id, up.action, up.recipient) == (lead.id, "escalate", "mia@example.com")


def test_funnel_never_widens_for_reactivated_leads(uow, rules, team):  # noqa: F811
    """Rule book §9: the funnel of the period's leads; a lead disqualified at screening and
    later reactivated (§2, lost → nurturing) must not show more nurturing than screened."""
    f.rep(uow.session, team.id)
    bad = intake(
        uow, rules, need="just looking", budget_max=None, timeline=None, contact_role="user"
    )
    assert bad.state == "lost"
    bad.owner_id = intake(uow, rules).owner_id
    svc.fire_trigger(uow.session, bad.id, "reactivate", by="mia", now=days(1), rules=rules)
    review = build_review(uow.session, Period.containing(MON.date()), days(2))
    counts = [s.count for s in review.funnel]
    assert counts == sorted(counts, reverse=True)


def test_csv_events_column_scores_at_intake(uow, rules, team, tmp_path):  # noqa: F811
    """Rule book §4: behaviour events score (capped at 40); a CSV carries them as
    `kind@time` separated by semicolons."""
    from leadflow.sheets.files import read_records

    f.rep(uow.session, team.id)
    path = tmp_path / "leads.csv"
    path.write_text(
        "source,company_name,contact_name,email,need,company_size,contact_role,"
        "events\nwebsite_form,Acme,Ann,ann@acme.example,CRM,large,decision_maker,"
        "webinar@2026-10-01T09:00Z; download@2026-10-02T09:00Z\n"
        "website_form,Bad,Bo,bo@bad.example,CRM,large,user,webinar\n",
        encoding="utf-8",
    )
    summary = store_leads(uow.session, read_records(path), "test", rules, now=MON)
    assert summary.rejections[0]["row"] == 3 and "events" in summary.rejections[0]["errors"]
    process_new_leads(uow.session, summary.lead_ids, MON, rules)
    lead = uow.session.get(Lead, summary.lead_ids[0])
    assert lead.behaviour_score == 25
