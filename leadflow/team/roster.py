"""Loading the assignment roster (reps, teams, open-lead loads) from the store."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.rules.assignment import KeyAccount, RepSlot, Roster, TeamTerritory, close_rates
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import AccountTier, State
from leadflow.store.account_models import Account
from leadflow.store.capacity import rep_loads
from leadflow.store.models import Lead, SalesRep, Team


def closed_deals(
    session: Session, now: dt.datetime, rules: RulesConfig
) -> dict[int, tuple[int, int]]:
    """Deals each rep won and lost within the close-rate window (screening rejects are not
    deals); two range reads on the won_at and lost_at indexes."""
    since = now - dt.timedelta(days=rules.assignment.close_rate.window_days)
    won = dict(
        session.execute(
            select(Lead.owner_id, func.count())
            .where(
                Lead.won_at >= since,
                Lead.won_at <= now,
                Lead.state == State.won.value,
                Lead.owner_id.is_not(None),
            )
            .group_by(Lead.owner_id)
        )
        .tuples()
        .all()
    )
    lost = dict(
        session.execute(
            select(Lead.owner_id, func.count())
            .where(
                Lead.lost_at >= since,
                Lead.lost_at <= now,
                Lead.state == State.lost.value,
                Lead.owner_id.is_not(None),
                Lead.loss_reason.is_distinct_from("invalid"),
            )
            .group_by(Lead.owner_id)
        )
        .tuples()
        .all()
    )
    return {
        rep: (won.get(rep, 0), lost.get(rep, 0))
        for rep in won.keys() | lost.keys()
        if rep is not None
    }  # none is: the queries skip unowned leads


def load_roster(
    session: Session, rules: RulesConfig, now: dt.datetime | None = None, lock: bool = True
) -> Roster:
    """Reps with their current loads (open leads and intake chunks' live claims) and close
    rates (as of `now`). With `lock` on PostgreSQL the rep rows are locked until commit, for
    a single-lead assignment or the queue's retry, so no intake chunk's claim can fill a
    slot meanwhile; an intake chunk reads the roster without it and claims its slots
    (store.capacity), and a read-only replay needs no lock."""
    reps_q = select(SalesRep).order_by(SalesRep.id)
    if lock and session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: the same turn a claim takes, without waiting for the chunks whose
        # lead writes hold KEY SHARE on their owners until they commit.
        reps_q = reps_q.with_for_update(of=SalesRep, key_share=True)
    reps = session.scalars(reps_q).unique().all()
    loads = rep_loads(session)
    teams = session.scalars(select(Team).order_by(Team.id)).all()
    slots = [
        RepSlot(
            id=r.id,
            team_id=r.team_id,
            name=r.name,
            regions=r.regions,
            industries=r.industries,
            seniority=r.seniority,
            capacity=r.capacity,
            open_leads=loads.get(r.id, 0),
            away=r.away,
            close_rate=r.close_rate,
            last_assigned_at=r.last_assigned_at,
        )
        for r in reps
    ]
    if now is not None:
        close_rates(slots, closed_deals(session, now, rules), rules)
    return Roster(
        teams=[
            TeamTerritory(
                id=t.id,
                name=t.name,
                regions=t.regions,
                industries=t.industries,
                company_sizes=t.company_sizes,
                customer_types=t.customer_types,
            )
            for t in teams
        ],
        reps=slots,
        rules=rules,
        key_accounts=key_accounts(session),
    )


def key_accounts(session: Session) -> dict[str, KeyAccount]:
    """The key accounts with a follow-up group, by company key (a handful of rows)."""
    rows = session.execute(
        select(Account.company_key, Account.name, Account.team_id).where(
            Account.tier == AccountTier.key.value, Account.team_id.is_not(None)
        )
    ).tuples()
    return {key: KeyAccount(name, team) for key, name, team in rows if team is not None}


def save_round_robin(session: Session, roster: Roster) -> None:
    """Persist each rep's last assignment time, the round-robin cursor."""
    for slot in roster.reps:
        if slot.last_assigned_at is not None:
            rep = session.get(SalesRep, slot.id)
            if rep is not None and rep.last_assigned_at != slot.last_assigned_at:
                rep.last_assigned_at = slot.last_assigned_at
