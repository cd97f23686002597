"""Spec §5 assignment: territory, skill by value, capacity, least loaded, round-robin, queue."""

from __future__ import annotations

import datetime as dt

import pytest

from leadflow.rules.assignment import LeadToAssign, RepSlot, Roster, TeamTerritory, close_rates

NOW = dt.datetime(2024, 7, 1, 9, 0, tzinfo=dt.UTC)
EAST = TeamTerritory(id=10, name="East", regions=["east"])
WEST = TeamTerritory(id=20, name="West", regions=["west"], industries=["retail"])


def tick(n: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=n)


def lead(**kw) -> LeadToAssign:
    return LeadToAssign(**{"region": "east", "grade": "B", "priority": "medium", **kw})


def rep(id: int, team_id: int = 10, **kw) -> RepSlot:
    return RepSlot(id=id, team_id=team_id, name=f"rep{id}", **kw)


def roster(rules, *reps: RepSlot, teams=(EAST, WEST)) -> Roster:
    return Roster(list(teams), list(reps), rules)


# --- territory ---------------------------------------------------------------------------


def test_territory_picks_the_covering_team(rules):
    r = roster(rules, rep(1, team_id=10), rep(2, team_id=20))
    east = r.assign(lead(region="east"), NOW)
    assert (east.rep_id, east.team_id) == (1, 10)
    assert "territory east/-" in east.reason and "East" in east.reason
    west = r.assign(lead(region="WEST", industry="Retail"), NOW)  # case-insensitive
    assert (west.rep_id, west.team_id) == (2, 20)


def test_team_industry_rule_must_match_too(rules):
    r = roster(rules, rep(2, team_id=20), teams=(WEST,))
    choice = r.assign(lead(region="west", industry="banking"), NOW)
    assert "no team covers the territory" in choice.reason


def test_team_company_size_rule(rules):
    big = TeamTerritory(id=30, name="Key accounts", company_sizes=["large"])
    small = TeamTerritory(id=40, name="SMB", company_sizes=["small", "medium"])
    r = roster(rules, rep(3, team_id=30), rep(4, team_id=40), teams=(big, small))
    assert r.assign(lead(company_size="large"), NOW).rep_id == 3
    assert r.assign(lead(company_size="small"), NOW).rep_id == 4


def test_rep_level_region_and_industry(rules):
    r = roster(
        rules,
        rep(1, regions=["north"]),
        rep(2, industries=["retail"]),
        rep(3, regions=["east"], industries=["banking"]),
    )
    choice = r.assign(lead(industry="banking"), NOW)
    assert choice.rep_id == 3
    assert "1 reps cover it" in choice.reason


# --- skill by value ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw", [{"grade": "A"}, {"priority": "high"}, {"grade": "A", "priority": "low"}]
)
def test_grade_a_or_high_priority_goes_to_senior_only(rules, kw):
    r = roster(rules, rep(1, seniority="junior"), rep(2, seniority="senior", open_leads=30))
    choice = r.assign(lead(**kw), NOW)
    assert choice.rep_id == 2
    assert "1 senior" in choice.reason


@pytest.mark.parametrize("grade", ["B", "C"])
def test_grade_b_c_may_go_to_junior(rules, grade):
    r = roster(rules, rep(1, seniority="junior"), rep(2, seniority="senior", open_leads=30))
    assert r.assign(lead(grade=grade, priority="medium"), NOW).rep_id == 1


def test_grade_a_goes_to_the_best_closer_before_the_least_loaded(rules):
    """Seed: "A类线索优先分配给成交率高的资深销售" (grade A / high priority goes to senior reps
    with the best close rate); load only breaks ties."""
    r = roster(
        rules, rep(1, seniority="senior", open_leads=0), rep(2, seniority="senior", open_leads=9)
    )
    close_rates(r.reps, {1: (1, 9), 2: (6, 4)}, rules)  # 10 % against 60 %
    choice = r.assign(lead(grade="A"), NOW)
    assert choice.rep_id == 2
    assert "close rates compared: rep2 60% (6/10 won), rep1 10% (1/10 won)" in choice.reason


def test_close_rate_ties_fall_to_load_then_round_robin(rules):
    """Seed: "Load, then round-robin, break ties." """
    r = roster(
        rules,
        rep(1, seniority="senior", open_leads=3, close_rate=0.5),
        rep(2, seniority="senior", open_leads=1, close_rate=0.5),
        rep(3, seniority="senior", open_leads=1, close_rate=0.5, last_assigned_at=NOW),
    )
    assert r.assign(lead(priority="high"), tick(1)).rep_id == 2
    assert r.assign(lead(priority="high"), tick(2)).rep_id == 3  # 2 now has 2 open leads


def test_too_few_closed_deals_use_the_team_average(rules):
    """Seed: close rate is won / (won + lost) "with a minimum number of closed deals below
    which the team's average is used"."""
    need = rules.assignment.close_rate.min_closed
    reps = [rep(1, seniority="senior"), rep(2, seniority="senior"), rep(3, team_id=20)]
    close_rates(reps, {1: (need, need), 2: (1, 0), 3: (0, 0)}, rules)
    assert reps[0].close_rate == 0.5 and "won" in reps[0].close_basis
    assert reps[1].close_rate == pytest.approx((need + 1) / (2 * need + 1))
    assert "team average" in reps[1].close_basis
    assert reps[2].close_rate == 0.0 and "recorded" in reps[2].close_basis


def test_senior_lead_with_no_senior_goes_to_manager_queue(rules):
    r = roster(rules, rep(1, seniority="junior"))
    choice = r.assign(lead(grade="A"), NOW)
    assert (choice.rep_id, choice.team_id) == (None, 10)
    assert "0 senior" in choice.reason and "manager queue" in choice.reason


# --- away, capacity, load ----------------------------------------------------------------


def test_away_reps_are_skipped(rules):
    r = roster(rules, rep(1, away=True), rep(2, open_leads=10))
    choice = r.assign(lead(), NOW)
    assert choice.rep_id == 2
    assert "1 away skipped" in choice.reason


def test_capacity_is_respected(rules):
    r = roster(rules, rep(1, capacity=3, open_leads=3), rep(2, capacity=50, open_leads=20))
    choice = r.assign(lead(), NOW)
    assert choice.rep_id == 2
    assert "1 at capacity" in choice.reason


def test_rep_fills_up_to_capacity_then_queue(rules):
    r = roster(rules, rep(1, capacity=2, open_leads=0))
    assert [r.assign(lead(), tick(i)).rep_id for i in range(3)] == [1, 1, None]
    assert r.reps[0].open_leads == 2


def test_least_loaded_wins(rules):
    r = roster(rules, rep(1, open_leads=7), rep(2, open_leads=3), rep(3, open_leads=5))
    choice = r.assign(lead(), NOW)
    assert choice.rep_id == 2
    assert "least loaded (3/50)" in choice.reason
    assert r.reps[1].open_leads == 4
    assert r.reps[1].last_assigned_at == NOW


def test_loads_even_out_over_several_leads(rules):
    r = roster(rules, rep(1, open_leads=2), rep(2, open_leads=0))
    picks = [r.assign(lead(), tick(i)).rep_id for i in range(4)]
    assert picks == [2, 2, 1, 2]
    assert [s.open_leads for s in r.reps] == [3, 3]


# --- round-robin on ties ------------------------------------------------------------------


def test_ties_go_round_robin(rules):
    r = roster(rules, rep(3), rep(1), rep(2))
    # never assigned: lowest id first; then whoever waited longest
    picks = [r.assign(lead(), tick(i)).rep_id for i in range(3)]
    assert picks == [1, 2, 3]
    for s in r.reps:
        s.open_leads = 0  # loads equal again: rotation continues from last_assigned_at
    picks = [r.assign(lead(), tick(10 + i)).rep_id for i in range(3)]
    assert picks == [1, 2, 3]
    assert "round-robin on ties" in r.assign(lead(), tick(20)).reason


def test_round_robin_by_last_assigned_at_then_id(rules):
    r = roster(
        rules,
        rep(1, last_assigned_at=tick(-5)),
        rep(2, last_assigned_at=tick(-60)),
        rep(3, last_assigned_at=None),
        rep(4, last_assigned_at=tick(-60)),
    )
    picks = [r.assign(lead(), tick(i)).rep_id for i in range(4)]
    assert picks == [3, 2, 4, 1]


# --- manager queue -----------------------------------------------------------------------


def test_no_rep_at_all_goes_to_team_queue(rules):
    choice = roster(rules).assign(lead(region="west", industry="retail"), NOW)
    assert (choice.rep_id, choice.team_id) == (None, 20)
    assert "no eligible rep: manager queue" in choice.reason


def test_everyone_away_or_full_goes_to_team_queue(rules):
    r = roster(rules, rep(1, away=True), rep(2, capacity=1, open_leads=1))
    choice = r.assign(lead(), NOW)
    assert (choice.rep_id, choice.team_id) == (None, 10)
    assert "1 away skipped" in choice.reason
    assert "1 at capacity" in choice.reason
    assert "manager queue" in choice.reason
    assert [s.open_leads for s in r.reps] == [0, 1]


def test_rep_of_other_team_is_not_used(rules):
    r = roster(rules, rep(2, team_id=20))
    choice = r.assign(lead(region="east"), NOW)
    assert (choice.rep_id, choice.team_id) == (None, 10)
    assert "0 reps cover it" in choice.reason


def test_assignment_defaults(rules):
    cfg = rules.assignment
    assert cfg.senior_grades == ["A"] and cfg.senior_priorities == ["high"]
    assert cfg.notify_within_hours == 0


# --- the claim's answer (the store claims the chosen slot; the rule settles) ------------


def test_choice_lists_the_next_candidates_in_the_rules_order(rules):
    r = roster(
        rules,
        rep(1, seniority="senior", close_rate=0.2),
        rep(2, seniority="senior", close_rate=0.6, open_leads=4),
        rep(3, seniority="senior", close_rate=0.6),
        rep(4, team_id=20),
    )
    choice = r.assign(lead(grade="A"), NOW)
    assert choice.candidates == (3, 2, 1) and choice.queue_team_id == 10
    assert r.settle(choice, 3, NOW) is choice  # room: the rule's choice is the one used


def test_a_rep_full_at_the_claim_passes_the_lead_to_the_next_candidate(rules):
    r = roster(rules, rep(1, capacity=2), rep(2, capacity=5, open_leads=1))
    choice = r.assign(lead(), NOW)
    assert choice.rep_id == 1 and "chose rep1: least loaded (0/2)" in choice.reason
    final = r.settle(choice, 2, tick(1))
    assert (final.rep_id, final.team_id) == (2, 10)
    assert final.reason.startswith(choice.reason)
    assert final.reason.endswith("full when claimed: rep1; next candidate rep2 (2/5)")
    assert [(s.open_leads, s.last_assigned_at) for s in r.reps] == [(2, NOW), (2, tick(1))]
    assert r.assign(lead(), tick(2)).rep_id == 2  # rep1 counts as full from now on


def test_every_candidate_full_at_the_claim_queues_the_lead(rules):
    r = roster(rules, rep(1), rep(2))
    choice = r.assign(lead(), NOW)
    final = r.settle(choice, None, NOW)
    assert (final.rep_id, final.team_id) == (None, 10)
    assert final.reason.endswith("full when claimed: rep1, rep2; no eligible rep: manager queue")


def test_previous_owner_choice_gets_the_rules_ranking_as_fallbacks(rules):
    from leadflow.rules.previous_owner import previous_owner

    r = roster(rules, rep(1, open_leads=3), rep(2), rep(3, open_leads=1))
    choice = r.with_fallbacks(previous_owner(r, 1, NOW, "repeat business"), lead())
    assert choice.candidates == (1, 2, 3)
    assert choice.reason == "repeat business: previous owner rep1 (4/50)"
