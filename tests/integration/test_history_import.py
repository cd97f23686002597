"""A CRM history through the one lead writer, on SQLite and PostgreSQL: each lead keeps its
own times and moves in time order, its loss reason as written, and (open) clocks from the
import; a row naming no rep is quarantined with the name."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from leadflow.intake.history import import_history
from leadflow.settings import get_rules
from leadflow.store.db import session_factory
from leadflow.store.models import Lead, TransitionAudit
from leadflow.store.outbound_models import QuarantinedRecord
from leadflow.store.uow import UnitOfWork
from tests import factories as f

START = f.NOW - dt.timedelta(days=1)
BASE = {"source": "referral", "company_name": "Acme", "contact_name": "Ann", "need": "frames"}
REASON = "the buyer retired before the budget came through"  # longer than the old 20


def _rows(owner: str) -> list[tuple[int, dict[str, object]]]:
    won = {
        **BASE,
        "external_id": "W-1",
        "owner": owner,
        "state": "won",
        "created_at": "2025-01-02T09:00:00Z",
        "screened_at": "2025-01-03T09:00:00Z",
        "opportunity_at": "2025-02-01T09:00:00Z",
        "negotiation_at": "2025-02-15T09:00:00Z",
        "closed_at": "2025-03-01T09:00:00Z",
        "contract_value": "250000",
    }
    lost = {
        **BASE,
        "external_id": "L-1",
        "state": "lost",
        "created_at": "2025-01-02T09:00:00Z",
        "screened_at": "2025-01-03T09:00:00Z",
        "closed_at": "2025-01-20T09:00:00Z",
        "loss_reason": REASON,
    }
    open_ = {
        **BASE,
        "external_id": "O-1",
        "email": "ann@acme.example",
        "owner": owner.upper(),
        "state": "opportunity",
        "created_at": "2025-06-02T09:00:00Z",
        "screened_at": "2025-06-03T09:00:00Z",
        "opportunity_at": "2025-07-01T09:00:00Z",
    }
    stranger = {**open_, "external_id": "O-2", "owner": "Zed"}
    return list(enumerate([won, lost, open_, stranger]))


def test_history_keeps_its_times_and_starts_open_clocks_at_the_import(db_url):
    with UnitOfWork(session_factory(db_url), actor="import") as uow:
        team = f.team(uow.session)
        rep = f.rep(uow.session, team.id)
        report = import_history(
            uow.session, _rows(rep.email or ""), "crm", get_rules(), now=f.NOW, clock_from=START
        )
        uow.commit()
    assert (report.accepted, report.closed, report.open, report.rejected) == (3, 2, 1, 1)
    with UnitOfWork(session_factory(db_url)) as uow:
        s = uow.session
        leads = {x.external_id: x for x in s.scalars(select(Lead))}
        won, lost, open_ = leads["W-1"], leads["L-1"], leads["O-1"]
        assert won.created_at == dt.datetime(2025, 1, 2, 9, tzinfo=dt.UTC)
        assert won.won_at == dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC) and won.valid
        assert won.first_opportunity_at == dt.datetime(2025, 2, 1, 9, tzinfo=dt.UTC)
        assert won.owner_id == rep.id and won.team_id == team.id and won.email is None
        assert won.first_contact_due is None and won.migrated_at == START
        moves = s.execute(
            select(TransitionAudit.to_state, TransitionAudit.at)
            .where(TransitionAudit.lead_id == won.id)
            .order_by(TransitionAudit.id)
        ).all()
        assert [m.to_state for m in moves] == ["screened", "opportunity", "negotiation", "won"]
        assert [m.at for m in moves] == sorted(m.at for m in moves)
        assert lost.loss_reason == REASON and lost.lost_at is not None
        assert open_.assigned_at == START and open_.first_contact_due > START
        assert open_.last_interaction_at == START and open_.facts_confirmed_at == START
        kept = s.scalars(select(QuarantinedRecord)).one()
        assert "'Zed' is no rep's name or email" in " ".join(kept.errors)
