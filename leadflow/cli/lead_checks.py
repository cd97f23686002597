"""`leadflow leads check`, `leads confirm-grade` and `leads verify`: a supervisor's check of
new entries and of an opportunity's grade, and the owner's monthly re-verification (the
check queue is `leads list --unchecked`)."""

from __future__ import annotations

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.leads import BY, app, utcnow
from leadflow.cli.output import JSON_OPTION, emit
from leadflow.errors import InvalidInput
from leadflow.intake.checks import check_entry, parse_fixes, verify_facts
from leadflow.lifecycle.grade_confirmation import confirm_grade, confirmation
from leadflow.phrases import N_
from leadflow.settings import get_rules, get_settings


@app.command("check")
def check(
    lead_id: int,
    ok: bool = typer.Option(False, "--ok", help="The entry is right as it stands."),
    fix: list[str] = typer.Option(
        [], "--fix", help="FIELD=VALUE to correct first; repeat for more (then it is 'fixed')."
    ),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """A supervisor's check of a lead entered by hand or from a file: --ok, or --fix."""
    if ok == bool(fix):
        raise InvalidInput(
            N_(
                "give exactly one of --ok or --fix FIELD=VALUE",
            ),
            {"check": "--ok or --fix"},
        )
    with unit_of_work(by) as uow:
        lead = check_entry(
            uow.session, lead_id, by=by, now=utcnow(), rules=get_rules(), fixes=parse_fixes(fix)
        )
        uow.commit()
        data = {
            "id": lead.id,
            "check": lead.check_state,
            "checked_by": lead.checked_by,
            "grade": lead.grade,
            "state": lead.state,
        }
    emit(data, as_json, f"lead {lead_id}: checked {data['check']} by {by}; now {data['state']}")


@app.command("verify")
def verify(lead_id: int, by: str = BY, as_json: bool = JSON_OPTION) -> None:
    """The owner confirms the lead's facts still hold (the monthly re-verification)."""
    with unit_of_work(by) as uow:
        lead = verify_facts(uow.session, lead_id, now=utcnow())
        uow.commit()
        data = {"id": lead.id, "facts_confirmed_at": lead.facts_confirmed_at}
    emit(data, as_json, f"lead {lead_id}: facts confirmed by {by}")


@app.command("confirm-grade")
def confirm_grade_cmd(
    lead_id: int,
    grade: str | None = typer.Option(
        None, "--grade", help="A, B or C in place of the assessed grade (else it is confirmed)."
    ),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """A sales manager confirms an opportunity's assessed grade, or changes it with --grade;
    a confirmed grade A tells the directors and the core team, who follow the deal."""
    with unit_of_work(by) as uow:
        lead = confirm_grade(
            uow.session,
            lead_id,
            by=by,
            now=utcnow(),
            rules=get_rules(),
            followers=get_settings().deal_followers(),
            grade=grade,
        )
        uow.commit()
        data = confirmation(lead)
    following = f"; followed by {', '.join(data['followers'])}" if data["followers"] else ""
    emit(
        data,
        as_json,
        f"lead {lead_id}: grade {data['opportunity_grade']} confirmed by {by}{following}",
    )
