"""A rep's own due items (`due_items(owner=...)`, what My day reads) are exactly the team's
items of that rep's leads, of every kind, on a database seeded the way the workbench bench
seeds a million leads (every timer kind, late handoffs, reviews owed)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bench import data
from leadflow.followup.due import due_items
from leadflow.store.db import engine_for, normalise_url
from leadflow.store.models import Lead

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("worked", [True, False], ids=["handed-off", "no-packages"])
def test_a_reps_items_are_the_teams_items_of_their_leads(db_url, uow, rules, worked):
    data.create_team(db_url, 7, 10)
    engine = engine_for(normalise_url(db_url))
    data.seed_leads(engine, 3000, due_share=0.2, now=NOW, worked=worked)
    owners = dict(uow.session.execute(select(Lead.id, Lead.owner_id)).tuples().all())
    moment = NOW + dt.timedelta(days=2)
    team = {(i.lead_id, i.kind, i.due_at) for i in due_items(uow.session, moment, rules)}
    kinds = {kind for _, kind, _ in team}
    assert kinds >= {"first_contact", "next_action", "cadence"}
    assert ("handoff" in kinds) is not worked  # without packages, won deals are late
    for rep in range(1, 25):
        mine = {
            (i.lead_id, i.kind, i.due_at) for i in due_items(uow.session, moment, rules, owner=rep)
        }
        assert mine == {item for item in team if owners[item[0]] == rep}, rep


@pytest.mark.parametrize(
    "kinds", [{"confirm_grade", "notify", "assess"}, {"handoff"}, {"first_contact", "win_review"}]
)
def test_the_kinds_asked_for_are_the_teams_items_of_those_kinds(db_url, uow, rules, kinds):
    data.create_team(db_url, 7, 10)
    data.seed_leads(engine_for(normalise_url(db_url)), 2000, due_share=0.2, now=NOW)
    moment = NOW + dt.timedelta(days=2)
    team = {(i.lead_id, i.kind, i.due_at) for i in due_items(uow.session, moment, rules)}
    asked = due_items(uow.session, moment, rules, kinds=frozenset(kinds))
    assert {(i.lead_id, i.kind, i.due_at) for i in asked} == {t for t in team if t[1] in kinds}
