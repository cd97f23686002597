"""The periodic review (spec §9): a month's or quarter's leads, deals, SLA and targets.

Every number is aggregated in the database (GROUP BY, SUM, COUNT): a dozen queries whatever
the number of leads (about 3 s for 1M leads on PostgreSQL, measured on synthetic data).
Two populations, on purpose: the cohort (leads created in the period) for totals, funnel,
conversion and SLA; deals won (won_at) or lost (lost_at) in the period for won value, cycle
times, loss reasons and targets. Leads merged into another (duplicate_of_id) never count.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    distinct,
    extract,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from leadflow.review.activity_targets import activity_lines, review_warnings
from leadflow.review.changes import grade_changes
from leadflow.review.funnel import stage_counts, steps
from leadflow.review.model import Bucket, ChannelLine, LossShare, Review, SlaLine
from leadflow.review.notes import list_notes
from leadflow.review.period import KEPT, Period, kept_leads, within
from leadflow.review.render import CYCLE_BUCKETS, review_markdown
from leadflow.review.results import count_if, lost_deals, money, ratio, results, totals
from leadflow.review.tiers import tier_lines
from leadflow.rules.config import StageRules
from leadflow.rules.vocab import OPEN_STATES, Priority, State
from leadflow.settings import get_settings
from leadflow.store.deal_models import Touch
from leadflow.store.models import Lead, SalesRep
from leadflow.team.teams import get_team
from leadflow.winmodel.review import win_review, win_status

__all__ = ["Review", "build_review", "review_markdown"]

_OPEN = [s.value for s in OPEN_STATES]
_FUNNEL = [State.screened, State.nurturing, State.opportunity, State.negotiation, State.won]


def _days(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """Fractional days between two timestamps, in the database's own date arithmetic."""
    if dialect == "postgresql":
        return extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def _average(total: Any, count: int) -> float | None:
    return round(float(Decimal(str(total or 0)) / count), 2) if count else None


def build_review(
    session: Session,
    period: Period,
    now: dt.datetime,
    owner: int | None = None,
    team: int | None = None,
    stages: StageRules | None = None,
) -> Review:
    """The review of `period`: cohort (leads created in it) for totals, funnel, conversion
    and SLA; deals won or lost in it for won value, cycle, loss reasons, win rates and
    targets; the meeting's conclusions entered for it. With `owner`, only that rep's leads
    and results (a rep's own review); with `team`, only that team's leads, reps and result.
    The funnel's sub-stages are `stages`' (default: the settings' rule book).
    Rates over an empty base are 0.0 (a win rate with no deal closed is None); averages and
    progress with nothing to measure are None."""
    kept = kept_leads(owner, team)
    cohort = and_(within(Lead.created_at, period), kept)
    valid = Lead.valid.is_(True)
    # A step counts the leads that reached it or any later step: a lead reactivated into
    # nurturing (never screened) cannot make a step larger than the one before it.
    stamps = [getattr(Lead, f"{s.value}_at") for s in _FUNNEL]
    reached = [
        func.count(func.coalesce(*stamps[i:])) if i < len(stamps) - 1 else func.count(stamps[i])
        for i in range(len(stamps))
    ]
    grade_a = count_if(and_(Lead.first_opportunity_at.is_not(None), Lead.opportunity_grade == "A"))
    total, valid_n, screened, nurturing, opportunity, negotiation, cohort_won, grade_a_n = (
        session.execute(
            select(func.count(), count_if(valid), *reached, grade_a).where(cohort)
        ).one()
    )
    funnel_counts = [total, screened, nurturing, opportunity, negotiation, cohort_won]
    won_count, won_value, avg_cycle, buckets = _wins(session, period, kept)
    lost, losses = _losses(session, period, kept)
    sla = _sla(session, cohort, now)
    measured = sum(s.met + s.breached for s in sla)
    found = totals(session, period, kept)
    rep = session.get(SalesRep, owner) if owner is not None else None
    whose = team if team is not None else (rep.team_id if rep is not None else None)
    notes = list_notes(session, period.label, whose)
    if owner is not None and whose is None:  # a rep with no team: the company's only
        notes = [n for n in notes if n.team_id is None]
    return Review(
        period=period.label,
        kind=period.kind,
        timezone=period.timezone,
        team_id=team,
        team=None if team is None else get_team(session, team).name,
        start=period.start,
        end=period.end,
        generated_at=now,
        total_leads=total,
        valid_leads=valid_n,
        opportunities=opportunity,
        grade_a_opportunities=grade_a_n,
        cohort_won=cohort_won,
        conversion_rate=ratio(cohort_won, valid_n),
        won_deals=won_count,
        won_value=money(won_value),
        average_deal_size=_average(won_value, won_count),
        average_cycle_days=None if avg_cycle is None else round(float(avg_cycle), 2),
        cycle_distribution=buckets,
        channels=_channels(session, period, cohort, kept),
        lost_deals=lost,
        loss_reasons=losses,
        sla=sla,
        sla_compliance=round(sum(s.met for s in sla) / measured, 4) if measured else None,
        funnel=steps(
            ["created", *[s.value for s in _FUNNEL]],
            funnel_counts,
            total,
            stage_counts(session, cohort, total, stages or get_settings().rules().stages),
        ),
        reps=results(session, period, "rep", found, owner, team),
        teams=[] if owner is not None else results(session, period, "team", found, team=team),
        grade_changes=grade_changes(session, period, kept),
        # The model's section reads every lead: not part of a rep's or a team's review.
        win_model=None
        if owner is not None or team is not None
        else win_review(session, period.start, period.end, get_settings().win_model),
        win_model_status=None
        if owner is not None or team is not None
        else win_status(session, get_settings().win_model),
        notes=notes,
        tiers=tier_lines(session, period, kept),
        activity_targets=activity_lines(
            session, period, now, get_settings().rules().calendar, owner, team
        ),
        target_warnings=review_warnings(session, period, owner, team),
    )


def _wins(
    session: Session, period: Period, kept: ColumnElement[bool]
) -> tuple[int, Any, Any, list[Bucket]]:
    """Deals won in the period: count, value, average cycle and the cycle histogram."""
    won = and_(within(Lead.won_at, period), kept)
    # Spec §9: from the lead first becoming an opportunity (a re-entry does not restart it).
    days = _days(Lead.won_at, Lead.first_opportunity_at, session.get_bind().dialect.name)
    # AVG skips the NULL days of deals won without a recorded opportunity date.
    count, value, avg_cycle = session.execute(
        select(func.count(), func.sum(Lead.contract_value), func.avg(days)).where(won)
    ).one()
    timed = and_(won, Lead.first_opportunity_at.is_not(None))
    bucket = case(
        *[(days < upper, literal(label)) for label, upper in CYCLE_BUCKETS[:-1]],
        else_=literal(CYCLE_BUCKETS[-1][0]),
    ).label("bucket")
    found: dict[str, int] = dict(
        session.execute(select(bucket, func.count()).where(timed).group_by(bucket)).tuples().all()
    )
    return (
        count,
        value,
        avg_cycle,
        [Bucket(label=label, count=found.get(label, 0)) for label, _ in CYCLE_BUCKETS],
    )


def _channels(
    session: Session, period: Period, cohort: ColumnElement[bool], kept: ColumnElement[bool]
) -> list[ChannelLine]:
    """Per channel: the cohort's conversion, and the deals won in the period by value."""
    rows = (
        session.execute(
            select(
                Lead.source, func.count(), count_if(Lead.valid.is_(True)), func.count(Lead.won_at)
            )
            .where(cohort)
            .group_by(Lead.source)
        )
        .tuples()
        .all()
    )
    won = (
        session.execute(
            select(Lead.source, func.count(), func.sum(Lead.contract_value))
            .where(within(Lead.won_at, period), kept)
            .group_by(Lead.source)
        )
        .tuples()
        .all()
    )
    cohort_by = {source: (n, v, w) for source, n, v, w in rows}
    won_by = {source: (n, value) for source, n, value in won}
    # Later inquiries through a channel (touches), besides the leads it brought first.
    touches = select(Touch.channel, func.count(distinct(Touch.lead_id))).where(
        within(Touch.at, period)
    )
    if kept is not KEPT:  # one rep's review: touches of their leads only
        touches = touches.join(Lead, Lead.id == Touch.lead_id).where(kept)
    later = dict(session.execute(touches.group_by(Touch.channel)).tuples().all())
    lines = []
    for source in sorted(cohort_by.keys() | won_by.keys() | later.keys()):
        n, v, w = cohort_by.get(source, (0, 0, 0))
        deals, value = won_by.get(source, (0, 0))
        lines.append(
            ChannelLine(
                channel=source,
                leads=n,
                touched=n + later.get(source, 0),
                valid=v,
                won=w,
                conversion_rate=ratio(w, v),
                deals_won=deals,
                won_value=money(value),
                average_deal_size=_average(value, deals),
            )
        )
    return sorted(lines, key=lambda c: (-c.leads, c.channel))


def _losses(
    session: Session, period: Period, kept: ColumnElement[bool]
) -> tuple[int, list[LossShare]]:
    """Deals lost in the period by reason (results.lost_deals says which count)."""
    reason = func.coalesce(Lead.loss_reason, "unknown")
    rows = (
        session.execute(
            select(reason, func.count()).where(lost_deals(period), kept).group_by(reason)
        )
        .tuples()
        .all()
    )
    lost = sum(n for _, n in rows)
    shares = [LossShare(reason=r, count=n, share=ratio(n, lost)) for r, n in rows]
    return lost, sorted(shares, key=lambda s: (-s.count, s.reason))


def _sla(session: Session, cohort: ColumnElement[bool], now: dt.datetime) -> list[SlaLine]:
    """First-contact SLA of the cohort by priority: met, breached (late, or uncontacted
    past due) and pending (uncontacted, not yet due: left out of compliance)."""
    due, contacted = Lead.first_contact_due, Lead.first_contacted_at
    met = count_if(contacted <= due)
    breached = count_if(contacted > due) + count_if(and_(contacted.is_(None), due < now))
    pending = count_if(and_(contacted.is_(None), due >= now))
    rows = (
        session.execute(
            select(Lead.priority, met, breached, pending)
            .where(cohort, due.is_not(None))
            .group_by(Lead.priority)
        )
        .tuples()
        .all()
    )
    order = {p.value: i for i, p in enumerate(Priority)}
    lines = [
        SlaLine(
            priority=p or "unknown",
            met=m,
            breached=b,
            pending=w,
            compliance=round(m / (m + b), 4) if m + b else None,
        )
        for p, m, b, w in rows
    ]
    return sorted(lines, key=lambda s: order.get(s.priority, len(order)))
