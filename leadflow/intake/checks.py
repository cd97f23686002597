"""A supervisor's check of new entries (seed 001: 新录入信息需经主管审核) and the owner's
monthly re-verification of a lead's facts (seed 001: 每月核实客户信息).

A lead entered by hand or from a file waits in the check queue without waiting for
anything else: it is screened and assigned as usual. The check either passes the lead as
entered (`ok`), or fixes facts first (`fixed`, each fix an edit through the one lead
writer); either way what was left to confirm is answered and the facts count as
confirmed now. A lead still missing a required field cannot pass as it is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle.lookup import get_lead
from leadflow.lifecycle.update import update_lead
from leadflow.phrases import N_
from leadflow.rules.config import RulesConfig
from leadflow.rules.data_quality import missing_fields
from leadflow.rules.vocab import OPEN_STATES, CheckState
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import check_version, write


def check_entry(
    session: Session,
    lead_id: int,
    *,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    fixes: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Lead:
    """A supervisor's check of a lead's entry: with `fixes` (field -> value) the facts are
    corrected first and the check is `fixed`, else it is `ok`."""
    lead = get_lead(session, lead_id)
    check_version(lead, expected_version)
    if fixes:
        lead = update_lead(session, lead_id, fixes, now=now, rules=rules)
    missing = missing_fields(lead, rules.data_quality)
    if missing:
        raise GuardRefused(
            lead.id,
            "check",
            N_(
                "required field(s) still empty: {fields}; fill them with --fix FIELD=VALUE "
                "(config/rules.yaml: data_quality.required_fields)",
                fields=", ".join(missing),
            ),
        )
    write(
        lead,
        check_state=(CheckState.fixed if fixes else CheckState.ok).value,
        checked_by=by,
        checked_at=now,
        facts_confirmed_at=now,
        to_confirm={},
    )
    flush(session)
    return lead


def verify_facts(
    session: Session, lead_id: int, *, now: dt.datetime, expected_version: int | None = None
) -> Lead:
    """The owner confirms the lead's facts still hold (the monthly re-verification): the
    next reminder is a month from now. Facts that changed are edited first."""
    lead = get_lead(session, lead_id)
    check_version(lead, expected_version)
    if lead.state not in {s.value for s in OPEN_STATES}:
        raise GuardRefused(
            lead.id, "verify", N_("only an open lead is verified (it is {state})", state=lead.state)
        )
    write(lead, facts_confirmed_at=now)
    flush(session)
    return lead


def unchecked(session: Session, rules: RulesConfig, limit: int = 50) -> list[dict[str, Any]]:
    """The check queue, oldest entry first: what each lead lacks and what to confirm."""
    leads = session.scalars(
        select(Lead)
        .where(Lead.check_state == CheckState.pending.value)
        .order_by(Lead.id)
        .limit(limit)
    )
    return [
        {
            "id": lead.id,
            "company": lead.company_name,
            "entered_by": lead.entered_by,
            "entered_at": lead.entered_at or lead.created_at,
            "state": lead.state,
            "missing": missing_fields(lead, rules.data_quality),
            "to_confirm": lead.to_confirm,
        }
        for lead in leads
    ]


def parse_fixes(items: list[str]) -> dict[str, Any]:
    """--fix FIELD=VALUE items as changes (an empty VALUE clears the field)."""
    fixes: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(
                N_("--fix: {item!r} is not FIELD=VALUE", item=item), {"--fix": "FIELD=VALUE"}
            )
        fixes[name.strip()] = value.strip() or None
    return fixes
