"""Issue 29, item 8: activity targets (seed 004: 每周需通过行业展会获取3条有效线索, 每日跟进
意向客户2家), their approval and filing (审批与备案) and the break-down to reps (目标拆解到
人), through the real services on a real store. Every measured number comes from leads taken
in and contacts logged through the services; the clock is passed in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from openpyxl import load_workbook
from sqlalchemy import text

from leadflow.errors import InvalidInput
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.assign import assign_lead
from leadflow.review.build import build_review
from leadflow.review.html import review_html
from leadflow.review.period import Period
from leadflow.review.render import review_markdown
from leadflow.review.xlsx import write_review_xlsx
from leadflow.store.db import engine_for
from leadflow.store.migrate import alembic_config, upgrade
from leadflow.store.models import Lead
from leadflow.team.target_checks import approve_target
from leadflow.team.targets import get_target, list_targets, set_target
from tests import factories as f

MON = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)  # Monday of ISO week 2026-W45
WEEK = "2026-W45"
AFTER = MON + dt.timedelta(days=7)  # the week is over


def day(n: int, hour: int = 0) -> dt.datetime:
    return MON + dt.timedelta(days=n, hours=hour)


@pytest.fixture
def east(uow, rules):
    """A team with Ann (who takes the leads in) and Bob, and Ann's leads of the week."""
    team = f.team(uow.session, name="East")
    ann = f.rep(uow.session, team.id, name="Ann", email="ann@example.com")
    return team, ann


def take_in(uow, rules, when: dt.datetime, **record) -> Lead:
    summary = store_leads(uow.session, [(1, f.lead_record(**record))], "test", rules, now=when)
    process_new_leads(uow.session, summary.lead_ids, when, rules)
    lead = uow.session.get(Lead, summary.lead_ids[0])
    assert lead is not None
    return lead


def contact(uow, rules, lead: Lead, when: dt.datetime, rep_id: int | None = None) -> None:
    svc.log_activity(
        uow.session, lead.id, channel="phone", key_points="call", now=when, rules=rules,
        rep_id=rep_id,
    )  # fmt: skip


def test_valid_trade_show_leads_count_for_who_entered_them_else_the_owner_at_intake(
    uow, rules, east
):
    """Rule book §9: "A valid lead counts for the rep its 录入人 (`entered_by`) names (the
    rep's name, email or one of the rep's API keys), else for its owner at intake; it counts
    in the week it was entered"."""
    team, ann = east
    entered = take_in(uow, rules, day(0), source="trade_show", entered_by="Ann")
    owned = take_in(uow, rules, day(1), source="trade_show")
    assert owned.owner_id == ann.id and owned.entered_by == "test"
    take_in(uow, rules, day(1), source="website_form", entered_by="ann@example.com")
    invalid = take_in(
        uow, rules, day(2), source="trade_show", entered_by="Ann", need="了解一下产品",
        contact_role=None, budget_max=None, timeline=None,
    )  # fmt: skip
    assert invalid.valid is False
    bob = f.rep(uow.session, team.id, name="Bob", email="bob@example.com")
    take_in(uow, rules, day(3), source="trade_show", entered_by="BOB@example.com ")
    # A lead moved to Bob later still counts for Ann, who had it at intake.
    assign_lead(uow.session, owned.id, bob.id, by="mia", now=day(3, 2), rules=rules)
    assert entered.owner_id == ann.id
    target = set_target(
        uow.session, WEEK, rep_id=ann.id, valid_leads={"trade_show": 3}, by="mia", now=day(0)
    )
    lines = get_target(uow.session, target.id, AFTER, rules.calendar).measured
    assert lines is not None
    (trade_show,) = lines.valid_leads
    assert (trade_show.channel, trade_show.expected, trade_show.actual) == ("trade_show", 3, 2)
    assert trade_show.met is False
    bob_target = set_target(uow.session, WEEK, rep_id=bob.id, valid_leads={"trade_show": 1})
    bob_lines = get_target(uow.session, bob_target.id, day(4), rules.calendar).measured
    assert bob_lines is not None and bob_lines.valid_leads[0].actual == 1
    assert bob_lines.valid_leads[0].met is True  # reached before the week is over
    # The team's number is its reps' together.
    team_target = set_target(uow.session, WEEK, team_id=team.id, valid_leads={"trade_show": 3})
    team_lines = get_target(uow.session, team_target.id, AFTER, rules.calendar).measured
    assert team_lines is not None and team_lines.valid_leads[0].actual == 3
    assert team_lines.valid_leads[0].met is True


def test_follow_ups_count_intent_customers_once_a_day_on_working_days(uow, rules, east):
    """Rule book §9: "A follow-up is a contact the rep logged on a lead that was nurturing,
    an opportunity or in negotiation when the contact happened; a customer counts once a
    day" and "the daily number is met when every working day of the period reached it"."""
    team, ann = east
    first = take_in(uow, rules, day(0, -1))
    second = take_in(uow, rules, day(0, -1))
    assert (first.state, second.state) == ("nurturing", "nurturing")
    invalid = take_in(
        uow, rules, day(0, -1), need="了解一下产品", contact_role=None, budget_max=None,
        timeline=None,
    )  # fmt: skip
    assert invalid.state == "lost"
    bob = f.rep(uow.session, team.id, name="Bob")
    for n in range(5):  # Monday to Friday
        contact(uow, rules, first, day(n, 1))
        contact(uow, rules, invalid, day(n, 1), rep_id=ann.id)  # no intent: never counts
        contact(uow, rules, second, day(n, 1), rep_id=bob.id)  # Bob's, not Ann's
        if n != 1:  # Tuesday: one customer only
            contact(uow, rules, second, day(n, 2), rep_id=ann.id)
    contact(uow, rules, first, day(0, 3))  # the same customer again on Monday: once
    contact(uow, rules, first, day(5, 1))  # Saturday counts, but is not a working day
    target = set_target(uow.session, WEEK, rep_id=ann.id, follow_ups_per_day=2)

    def measured(now: dt.datetime):
        found = get_target(uow.session, target.id, now, rules.calendar).measured
        assert found is not None and found.follow_ups is not None
        return found.follow_ups

    done = measured(AFTER)
    assert (done.per_day, done.working_days, done.working_days_so_far) == (2, 5, 5)
    assert (done.days_met, done.actual, done.met) == (4, 10, False)
    monday_only = measured(day(1, 1))  # Tuesday morning: Monday was met, Tuesday runs
    assert (monday_only.working_days_so_far, monday_only.days_met, monday_only.met) == (1, 1, None)
    assert measured(day(2, 1)).met is False  # Tuesday was missed: it can no longer be met
    # Holidays are no working days (the team's calendar).
    tuesday_off = rules.calendar.model_copy(update={"holidays": [day(1).date()]})
    found = get_target(uow.session, target.id, AFTER, tuesday_off).measured
    assert found is not None and found.follow_ups is not None
    assert (found.follow_ups.working_days, found.follow_ups.met) == (4, True)


def test_a_target_is_proposed_until_a_director_files_it_and_a_change_proposes_it_again(
    uow, rules, east
):
    """Rule book §9: "A target is proposed until a director approves it; it is then filed,
    with who approved it and when. Changing a filed target proposes it again"."""
    _team, ann = east
    target = set_target(
        uow.session, WEEK, rep_id=ann.id, revenue=100000, by="manager:mia", now=day(0)
    )
    assert (target.status, target.proposed_by, target.proposed_at) == (
        "proposed",
        "manager:mia",
        day(0),
    )
    approve_target(uow.session, target.id, "director:dan", day(1))
    assert (target.status, target.approved_by, target.approved_at) == (
        "filed",
        "director:dan",
        day(1),
    )
    approve_target(uow.session, target.id, "director:eve", day(2))  # again: nothing changes
    assert target.approved_by == "director:dan"
    set_target(uow.session, WEEK, rep_id=ann.id, revenue=100000, by="manager:mia", now=day(2))
    assert target.status == "filed"  # the same number is no change
    set_target(uow.session, WEEK, rep_id=ann.id, follow_ups_per_day=2, by="manager:mia")
    assert (target.status, target.approved_by, target.approved_at) == ("proposed", None, None)
    empty = set_target(uow.session, WEEK, team_id=_team.id)
    with pytest.raises(InvalidInput, match="no number to approve"):
        approve_target(uow.session, empty.id, "director:dan", day(1))
    with pytest.raises(InvalidInput, match="not a channel"):
        set_target(uow.session, WEEK, rep_id=ann.id, valid_leads={"fair": 3})
    with pytest.raises(InvalidInput, match="follow_ups_per_day"):
        set_target(uow.session, WEEK, rep_id=ann.id, follow_ups_per_day=-1)


def test_reps_targets_that_do_not_add_up_to_the_teams_warn_naming_the_sums(uow, rules, east):
    """Rule book §9: "When the reps' targets of a team do not add up to the team's (revenue,
    new customers, valid leads per channel) a warning names both sums; the target is still
    saved"."""
    team, ann = east
    bob = f.rep(uow.session, team.id, name="Bob")
    set_target(uow.session, WEEK, team_id=team.id, revenue=500000, valid_leads={"trade_show": 5})
    set_target(uow.session, WEEK, rep_id=ann.id, revenue=300000, valid_leads={"trade_show": 3})
    bob_target = set_target(
        uow.session, WEEK, rep_id=bob.id, revenue=100000, valid_leads={"trade_show": 2}
    )
    (warning,) = get_target(uow.session, bob_target.id).warnings
    assert warning == (
        "Team East 2026-W45: the reps' targets do not add up to the team's "
        "(revenue: reps 400,000.00, team 500,000.00)"
    )
    assert {w for v in list_targets(uow.session, WEEK) for w in v.warnings} == {warning}
    set_target(uow.session, WEEK, rep_id=bob.id, revenue=200000)
    assert [v.warnings for v in list_targets(uow.session, WEEK)] == [[], [], []]
    set_target(uow.session, WEEK, team_id=team.id, new_customers=4)
    assert "new customers: reps 0, team 4" in get_target(uow.session, bob_target.id).warnings[0]


def test_the_review_shows_target_against_actual_and_marks_unapproved_targets(
    uow, rules, east, tmp_path: Path
):
    """Rule book §9: the review shows "each target of the period, whether it is filed or
    still proposed, and its activity targets against what was recorded"."""
    team, ann = east
    for n in range(3):
        take_in(uow, rules, day(n), source="trade_show", entered_by="Ann")
    set_target(uow.session, WEEK, team_id=team.id, revenue=900000, valid_leads={"trade_show": 3})
    mine = set_target(uow.session, WEEK, rep_id=ann.id, valid_leads={"trade_show": 3})
    approve_target(uow.session, mine.id, "director:dan", day(1))
    review = build_review(uow.session, Period.parse(WEEK), AFTER)
    team_line, ann_line = review.activity_targets
    assert (team_line.name, team_line.status, ann_line.name, ann_line.status) == (
        "East",
        "proposed",
        "Ann",
        "filed",
    )
    assert [(c.actual, c.expected, c.met) for c in ann_line.valid_leads] == [(3, 3, True)]
    assert review.target_warnings == [
        "Team East 2026-W45: the reps' targets do not add up to the team's "
        "(revenue: reps 0.00, team 900,000.00)"
    ]
    text = review_markdown(review)
    assert "## Targets: approval and activity" in text
    assert "| East | Proposed, not approved | Valid leads, trade show |" in text
    assert "| Ann | Filed, approved by director:dan | Valid leads, trade show | 3 a week |" in text
    assert "**Warning:** Team East 2026-W45" in text
    page = review_html(review)
    assert 'id="activity-targets"' in page and 'class="proposed"' in page
    assert review.model_dump(mode="json")["activity_targets"][1]["valid_leads"][0]["met"] is True
    path = tmp_path / "review.xlsx"
    write_review_xlsx(uow.session, review, path)
    sheet = load_workbook(path)["Activity targets"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Name", "Approval", "Measure", "Target", "Expected", "Actual", "Met"]
    assert rows[2] == ["Ann", "Filed, approved by director:dan", "Valid leads, trade show",
                       "3 a week", 3, 3, "met"]  # fmt: skip
    assert rows[3][0] == "Warning"
    # A rep's own review holds only the rep's target, and no team warning.
    own = build_review(uow.session, Period.parse(WEEK), AFTER, owner=ann.id)
    assert [line.name for line in own.activity_targets] == ["Ann"] and own.target_warnings == []


def test_targets_set_before_the_upgrade_are_proposed_and_the_downgrade_drops_the_columns(
    tmp_path,
):
    """Migration 0024: a target stored before was never approved, so it is proposed."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0023_key_accounts")
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teams (name, regions, industries, company_sizes) "
                          "VALUES ('East', '[]', '[]', '[]')"))  # fmt: skip
        conn.execute(
            text("INSERT INTO targets (period, team_id, revenue) VALUES ('2026-Q3', 1, 5)")
        )
    upgrade(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, valid_leads, approved_by FROM targets")).one()
    assert tuple(row) == ("proposed", "{}", None)
    command.downgrade(alembic_config(url), "0023_key_accounts")
    with engine.connect() as conn:
        columns = {c[1] for c in conn.execute(text("PRAGMA table_info(targets)"))}
    assert "status" not in columns and "valid_leads" not in columns and "revenue" in columns
    engine.dispose()
