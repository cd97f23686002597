"""Issue 29, items 9 and 10: key accounts (seed 004 L70: 初步意向 - 高意向 - 重点客户, a
专项跟进小组) and customer-type routing (seed 000 L90), rule book §5 and §9, through the
real services on a real store; the clock is passed in."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from leadflow.accounts.service import account_history, account_rows, set_account
from leadflow.errors import InvalidInput, NotFound
from leadflow.i18n import use_locale
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.review.build import build_review
from leadflow.review.period import Period
from leadflow.review.render import review_markdown
from leadflow.store.models import FieldChange, Lead
from leadflow.team.teams import update_team
from tests import factories as f

MON = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)  # a Monday
COMPANY = "某某科技有限公司"


def hours(n: float) -> dt.datetime:
    return MON + dt.timedelta(hours=n)


def intake(uow, rules, when: dt.datetime, **record) -> Lead:
    summary = store_leads(uow.session, [(1, f.lead_record(**record))], "test", rules, now=when)
    process_new_leads(uow.session, summary.lead_ids, when, rules)
    found = uow.session.get(Lead, summary.lead_ids[0])
    assert found is not None
    return found


@pytest.fixture
def desks(uow):
    east = f.team(uow.session, name="East")
    key = f.team(uow.session, name="Key desk", regions=["north"])
    ann = f.rep(uow.session, east.id, name="Ann")
    kim = f.rep(uow.session, key.id, name="Kim", regions=["north"])
    return east, key, ann, kim


def test_an_account_becoming_key_moves_its_open_leads_to_its_group_at_once(uow, rules, desks):
    """Rule book §5: "When an account becomes key, or its group changes, its open leads
    move to the group at once rather than at the next assignment pass"."""
    _east, key, ann, kim = desks
    lead = intake(uow, rules, MON, company_name=COMPANY)
    assert lead.owner_id == ann.id
    data = set_account(
        uow.session,
        {"company": COMPANY, "tier": "key", "team_id": key.id},
        by="mia",
        now=hours(1),
        rules=rules,
    )
    assert (data["tier"], data["team"], data["open_leads"]) == ("key", "Key desk", 1)
    assert data["routed"] == [{"lead_id": lead.id, "rep_id": kim.id, "team_id": key.id}]
    assert (lead.owner_id, lead.team_id) == (kim.id, key.id)
    assert "key account 某某科技有限公司: follow-up group Key desk" in lead.assignment_reason
    owners = uow.session.scalars(
        select(FieldChange.new_value).where(
            FieldChange.lead_id == lead.id, FieldChange.field == "owner_id"
        )
    ).all()
    assert str(kim.id) in owners  # the lead's history keeps the move


def test_a_key_accounts_new_lead_is_routed_to_its_group_matched_as_dedupe_matches(
    uow, rules, desks
):
    """Rule book §5: "The company is matched as duplicates are ... so Acme Ltd and ACME,
    Inc. are one account"; "A key account's leads go to its group whatever their
    territory"."""
    _east, key, _ann, kim = desks
    set_account(
        uow.session,
        {"company": "Acme Ltd", "tier": "key", "team_id": key.id},
        by="mia",
        now=MON,
        rules=rules,
    )
    lead = intake(uow, rules, hours(1), company_name="ACME, Inc.", region="east")
    assert (lead.owner_id, lead.team_id) == (kim.id, key.id)
    assert "follow-up group Key desk" in lead.assignment_reason
    other = intake(uow, rules, hours(1), company_name="某某科技", region="east")
    assert other.team_id != key.id


def test_tier_changes_are_kept_in_the_accounts_history(uow, rules, desks):
    """Rule book §5: "every change is kept in the account's history"."""
    _east, key, _ann, _kim = desks
    first = set_account(uow.session, {"company": COMPANY}, by="mia", now=MON, rules=rules)
    assert first["tier"] == "initial"  # "a new account starts at initial"
    set_account(
        uow.session, {"company": COMPANY, "tier": "high"}, by="mia", now=hours(1), rules=rules
    )
    set_account(
        uow.session,
        {"company": COMPANY, "tier": "key", "team_id": key.id},
        by="dan",
        now=hours(2),
        rules=rules,
    )
    changes = [
        (c["field"], c["old"], c["new"], c["by"]) for c in account_history(uow.session, COMPANY)
    ]
    assert ("tier", "initial", "high", "mia") in changes
    assert ("tier", "high", "key", "dan") in changes
    assert ("team_id", None, str(key.id), "dan") in changes
    rows = account_rows(uow.session, "key")
    assert [r["company"] for r in rows] == [COMPANY]
    with use_locale("zh_CN"):
        assert account_rows(uow.session)[0]["tier_label"] == "重点客户"


def test_bad_input_is_named(uow, rules, desks):
    """Rule book §5: "a key account needs its group"."""
    with pytest.raises(InvalidInput) as err:
        set_account(uow.session, {"company": COMPANY, "tier": "key"}, by="m", now=MON, rules=rules)
    assert "team_id" in err.value.errors
    with pytest.raises(InvalidInput) as err:
        set_account(uow.session, {"company": COMPANY, "tier": "vip"}, by="m", now=MON, rules=rules)
    assert "tier" in err.value.errors
    with pytest.raises(InvalidInput, match="company"):
        set_account(uow.session, {"company": "——"}, by="m", now=MON, rules=rules)
    with pytest.raises(NotFound, match="team_id"):
        set_account(uow.session, {"company": COMPANY, "team_id": 999}, by="m", now=MON, rules=rules)


def test_an_individual_customer_routes_to_the_team_that_takes_them(uow, rules, desks):
    """Rule book §5: "A team lists the customer types it takes ...; a team that lists none
    takes both." """
    east, _key, ann, _kim = desks
    people = f.team(uow.session, name="Retail desk", customer_types=["individual"])
    pia = f.rep(uow.session, people.id, name="Pia")
    update_team(uow.session, east.id, {"customer_types": ["company"]}, rules=rules)
    person = intake(
        uow, rules, MON, customer_type="individual", company_name=None, contact_name="王伟"
    )
    assert (person.owner_id, person.customer_type) == (pia.id, "individual")
    assert person.company_name == "王伟"  # the person is the account
    assert "/individual -> Retail desk" in person.assignment_reason
    company = intake(uow, rules, MON)
    assert company.owner_id == ann.id


def test_the_review_reports_leads_deals_and_wins_per_tier(uow, rules, desks):
    """Rule book §9: "Per tier of seed 004 ... the review counts the leads created in the
    period, the deals open now ... and the deals won in the period with their value"."""
    _east, key, _ann, _kim = desks
    intake(uow, rules, MON, company_name=COMPANY)
    intake(uow, rules, MON)
    set_account(
        uow.session,
        {"company": COMPANY, "tier": "key", "team_id": key.id},
        by="mia",
        now=hours(1),
        rules=rules,
    )
    review = build_review(uow.session, Period.parse("2026-Q4"), hours(2))
    tiers = {t.tier: (t.leads, t.open_deals, t.won_deals) for t in review.tiers}
    assert tiers == {"key": (1, 0, 0), "none": (1, 0, 0)}
    assert [t.tier for t in review.tiers] == ["key", "none"]
    with use_locale("zh_CN"):
        text = review_markdown(review)
    assert "客户分级" in text and "重点客户" in text
    assert "tiers" in review.model_dump(mode="json")


def test_migration_0023_up_and_down(tmp_path):
    """Migration 0023: existing teams take both customer types; down drops the tables."""
    from alembic import command
    from sqlalchemy import inspect, text

    from leadflow.store.db import engine_for
    from leadflow.store.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0021_sub_stages")
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO teams (name, regions, industries, company_sizes, timezone) "
                "VALUES ('East', '[]', '[]', '[]', 'UTC')"
            )
        )
    upgrade(url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT customer_types FROM teams")) == "[]"
        assert {"accounts", "account_history"} <= set(inspect(conn).get_table_names())
    command.downgrade(alembic_config(url), "0021_sub_stages")
    with engine.connect() as conn:
        assert "customer_types" not in {c["name"] for c in inspect(conn).get_columns("teams")}
        assert "accounts" not in inspect(conn).get_table_names()
    engine.dispose()
