"""A CRM's follow-up log, imported beside its history (`leads import --activities`, POST
/activities/history): each row is a past contact with a migrated lead, named by the lead's
external id. The contacts are kept as they happened (not late: they were logged in the old
CRM); they move no timer, since a migrated lead's clocks start at its import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from leadflow.intake.history_rows import HistoryReport, read_activity
from leadflow.intake.receive import quarantine
from leadflow.rules.config import RulesConfig
from leadflow.store.models import Activity, Lead


def import_activities(
    session: Session,
    rows: Iterable[tuple[int, Any]],
    origin: str,
    rules: RulesConfig,
    *,
    now: dt.datetime,
    shown: int = 20,
) -> HistoryReport:
    """Store a follow-up log's rows in the caller's transaction; a row the log already
    holds (same lead, time and channel) is skipped, a bad one quarantined."""
    report = HistoryReport()
    leads: dict[str, tuple[int, int | None, dt.datetime, bool]] = {}
    for row_no, raw in rows:
        activity, errors = read_activity(raw)
        found = None
        if activity is not None:
            found = leads.get(activity.lead) or _lead(session, activity.lead)
            if found is None:
                errors = {"lead": f"no lead has the external id {activity.lead!r}"}
            else:
                leads[activity.lead] = found
                errors = _checked(activity.at, found, now)
        if activity is None or found is None or errors:
            kept = getattr(raw, "verbatim", raw)
            qid = quarantine(session, f"{origin} row {row_no}", kept, errors, rules.privacy, now)
            report.reject(row_no, errors, qid, shown)
            continue
        lead_id, owner_id, _created, _migrated = found
        if _logged(session, lead_id, activity.at, activity.channel.value):
            report.replayed += 1
            continue
        session.execute(
            insert(Activity),
            {
                "lead_id": lead_id,
                "rep_id": owner_id,
                "at": activity.at,
                "channel": activity.channel.value,
                "key_points": activity.key_points,
                "feedback": activity.feedback,
                "next_action": activity.next_action,
                "logged_at": activity.at,
                "late": False,
            },
        )
        report.accepted += 1
    return report


def _lead(session: Session, external_id: str) -> tuple[int, int | None, dt.datetime, bool] | None:
    row = session.execute(
        select(Lead.id, Lead.owner_id, Lead.created_at, Lead.migrated_at).where(
            Lead.external_id == external_id
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2], row[3] is not None)


def _checked(
    at: dt.datetime, lead: tuple[int, int | None, dt.datetime, bool], now: dt.datetime
) -> dict[str, str]:
    """A past contact of a migrated lead, not before it was created nor in the future."""
    lead_id, _owner, created, migrated = lead
    if not migrated:
        return {"lead": f"lead {lead_id} was not migrated; log its contacts with `leads log`"}
    if at > now:
        return {"at": f"{at.isoformat(timespec='minutes')} is in the future"}
    if at < created:
        return {
            "at": f"{at.isoformat(timespec='minutes')} is before lead {lead_id} was created "
            f"({created.isoformat(timespec='minutes')})"
        }
    return {}


def _logged(session: Session, lead_id: int, at: dt.datetime, channel: str) -> bool:
    query = select(Activity.id).where(
        Activity.lead_id == lead_id, Activity.at == at, Activity.channel == channel
    )
    return session.scalar(query.limit(1)) is not None
