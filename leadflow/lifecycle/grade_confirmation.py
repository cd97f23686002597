"""The sales manager's confirmation of an opportunity grade (seed 002: 由销售主管审核确认
商机等级), and who follows a confirmed grade-A deal (seed 002: 销售总监+骨干团队跟进).

A manager (or director) confirms the grade as assessed, or sets another in its place; the
weekly re-grade keeps a grade set this way until the deal is assessed again. Confirming a
grade the rules mark as followed (A by default) tells the directors and the core team
through the outbox and records them as the deal's followers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused
from leadflow.i18n import gettext as _
from leadflow.i18n import label, moment
from leadflow.lifecycle.lookup import choice, get_lead
from leadflow.lifecycle.opportunity import set_grade
from leadflow.notify.messages import send_on
from leadflow.notify.reach import Route
from leadflow.phrases import N_
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Grade, State
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import check_version, write

DEALS = (State.opportunity.value, State.negotiation.value)
# What a confirmation answers with (the CLI's --json, the API's GradeConfirmationOut).
CONFIRMATION = (
    "id",
    "version",
    "opportunity_grade",
    "grade_override",
    "grade_confirmed_by",
    "grade_confirmed_at",
    "brief_due",
    "followers",
)


def confirmation(lead: Lead) -> dict[str, Any]:
    """The deal's grade as confirmed, by whom and when, and who follows it."""
    return {name: getattr(lead, name) for name in CONFIRMATION}


def confirm_grade(
    session: Session,
    lead_id: int,
    *,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    followers: Sequence[str],
    grade: str | None = None,
    expected_version: int | None = None,
) -> Lead:
    """Confirm the deal's assessed grade, or set `grade` in its place, as its manager;
    a confirmed followed grade adds `followers` (the directors and the core team) to the
    deal and tells them. Refused before the deal is assessed."""
    lead = get_lead(session, lead_id)
    check_version(lead, expected_version)
    if lead.state not in DEALS:
        raise GuardRefused(
            lead.id,
            "confirm-grade",
            N_("only an opportunity's grade is confirmed (state {state})", state=lead.state),
        )
    if lead.opportunity_grade is None:
        raise GuardRefused(
            lead.id,
            "confirm-grade",
            N_("the opportunity is not assessed yet: its owner assesses it first (leads assess)"),
        )
    if grade is not None:
        chosen = choice(grade.strip().upper(), Grade, "grade")
        if chosen.value != lead.opportunity_grade:
            write(lead, grade_override=chosen.value)
            set_grade(lead, chosen, now, rules)
    write(lead, grade_confirmed_by=by, grade_confirmed_at=now)
    if Grade(lead.opportunity_grade) in rules.opportunity.followed_grades:
        _add_followers(session, lead, followers, by, now)
    flush(session)
    return lead


def _add_followers(
    session: Session, lead: Lead, followers: Sequence[str], by: str, now: dt.datetime
) -> None:
    """Record the followers on the deal and tell those not already following it."""
    new = [f for f in dict.fromkeys(followers) if f and f not in lead.followers]
    if not new:
        return
    write(lead, followers=[*lead.followers, *new])
    grade = label("grade", lead.opportunity_grade)
    send_on(
        session,
        Route(tuple(new)),
        key=f"followed:{lead.id}:{now:%Y%m%d%H%M%S}",
        kind="grade_a",
        lead_id=lead.id,
        subject=_("Grade {grade} deal: lead #{id} {company}: you follow it").format(
            grade=grade, id=lead.id, company=lead.company_name
        ),
        body=_(
            "{by} confirmed lead #{id} ({company}) as a grade {grade} opportunity on {when} "
            "UTC. As its director or core team you follow the deal and give it resources "
            "first. The opportunity brief is due by {brief} UTC."
        ).format(
            by=by,
            id=lead.id,
            company=lead.company_name,
            grade=grade,
            when=moment(now),
            brief=moment(lead.brief_due),
        ),
        now=now,
    )
