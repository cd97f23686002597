"""Seed 000 (route by region, industry and customer type) and seed 004 (a key account's
dedicated follow-up group) in the assignment rules, rule book §5."""

from __future__ import annotations

import datetime as dt

from leadflow.rules.assignment import KeyAccount, LeadToAssign, RepSlot, Roster, TeamTerritory
from leadflow.rules.previous_owner import previous_owner

NOW = dt.datetime(2024, 7, 1, 9, 0, tzinfo=dt.UTC)
COMPANIES = TeamTerritory(id=10, name="Companies", regions=["east"], customer_types=["company"])
PEOPLE = TeamTerritory(id=20, name="Retail desk", customer_types=["individual"])
ANY = TeamTerritory(id=30, name="Anyone", regions=["west"])
KEY_DESK = TeamTerritory(id=40, name="Key desk", regions=["north"])


def lead(**kw) -> LeadToAssign:
    return LeadToAssign(**{"region": "east", "grade": "B", "priority": "medium", **kw})


def rep(id: int, team_id: int, **kw) -> RepSlot:
    return RepSlot(id=id, team_id=team_id, name=f"rep{id}", **kw)


def roster(rules, *reps: RepSlot, teams=(COMPANIES, PEOPLE, ANY), keys=None) -> Roster:
    return Roster(list(teams), list(reps), rules, keys)


def test_an_individual_goes_to_the_team_that_takes_individuals(rules):
    """Rule book §5: "A team lists the customer types it takes ...; a team that lists none
    takes both." """
    r = roster(rules, rep(1, 10), rep(2, 20))
    person = r.assign(lead(customer_type="individual"), NOW)
    assert (person.rep_id, person.team_id) == (2, 20)
    assert "territory east/-/individual -> Retail desk" in person.reason
    company = r.assign(lead(customer_type="company"), NOW)
    assert (company.rep_id, company.team_id) == (1, 10)


def test_a_lead_stored_before_the_field_is_a_company(rules):
    """Rule book §5: "Leads stored before the field are companies." """
    r = roster(rules, rep(1, 10), rep(2, 20))
    assert r.assign(lead(customer_type=None), NOW).team_id == 10


def test_a_team_listing_no_type_takes_both(rules):
    r = roster(rules, rep(3, 30))
    for kind in ("company", "individual"):
        choice = r.assign(lead(region="west", customer_type=kind), NOW)
        assert choice.team_id == 30 and f"west/-/{kind} -> " in choice.reason


def test_a_type_no_team_takes_is_routed_as_uncovered(rules):
    r = roster(rules, rep(1, 10), teams=(COMPANIES,))
    choice = r.assign(lead(customer_type="individual"), NOW)
    assert "no team covers the territory" in choice.reason


def test_a_key_accounts_lead_goes_to_its_group_whatever_the_territory(rules):
    """Rule book §5: "A key account's leads go to its group whatever their territory"."""
    keys = {"acme": KeyAccount("Acme 有限公司", 40)}
    r = roster(
        rules,
        rep(1, 10),
        rep(4, 40, regions=["north"]),
        teams=(COMPANIES, KEY_DESK),
        keys=keys,
    )
    choice = r.assign(lead(region="east", company_key="acme"), NOW)
    assert (choice.rep_id, choice.team_id) == (4, 40)
    assert "key account Acme 有限公司: follow-up group Key desk" in choice.reason
    other = r.assign(lead(region="east", company_key="other"), NOW)
    assert other.team_id == 10


def test_a_key_account_with_no_free_rep_waits_in_its_groups_queue(rules):
    keys = {"acme": KeyAccount("Acme", 40)}
    r = roster(rules, rep(1, 10), rep(4, 40, away=True), teams=(COMPANIES, KEY_DESK), keys=keys)
    choice = r.assign(lead(company_key="acme"), NOW)
    assert (choice.rep_id, choice.team_id) == (None, 40)


def test_the_previous_owner_only_when_in_the_group(rules):
    """Rule book §5: "A returning customer goes first to the rep who knew them only when
    that rep is in the group." """
    r = roster(rules, rep(1, 10), rep(4, 40), teams=(COMPANIES, KEY_DESK))
    assert previous_owner(r, 1, NOW, "repeat business", group=40) is None
    assert previous_owner(r, 4, NOW, "repeat business", group=40).rep_id == 4
    assert previous_owner(r, 1, NOW, "repeat business").rep_id == 1


def test_a_sheets_customer_type_column_is_read():
    """Rule book §5: "a sheet's 客户类型 column: 个人 is individual, 企业 or 公司 is
    company"."""
    from leadflow.rules.privacy import Refused
    from leadflow.sheets.mapping import SheetPlan, load_mapping

    plan = SheetPlan.of(["线索来源", "客户类型", "联系人", "需求"], load_mapping(), Refused({}))
    assert plan.record(["展会", "个人", "王伟", "CRM"])["customer_type"] == "individual"
    assert plan.record(["展会", "公司", "王伟", "CRM"])["customer_type"] == "company"
