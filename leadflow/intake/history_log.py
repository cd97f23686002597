"""A CRM's follow-up log, imported beside its history (`leads import --activities`, POST
/activities/history): each row is a past contact with a migrated lead, named by the lead's
external id. The contacts are kept as they happened (not late: they were logged in the old
CRM); they move no timer, since a migrated lead's clocks start at its import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import islice
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from leadflow.intake.history_rows import HistoryReport, read_activity
from leadflow.intake.receive import quarantine
from leadflow.rules.config import RulesConfig
from leadflow.store.models import Activity, Lead

CHUNK = 500  # rows looked up and inserted together


def import_activities(
    session: Session,
    rows: Iterable[tuple[int, Any]],
    origin: str,
    rules: RulesConfig,
    *,
    now: dt.datetime,
    shown: int = 20,
) -> HistoryReport:
    """Store a follow-up log's rows in the caller's transaction, a chunk at a time; a row
    the log already holds (same lead, time and channel) is skipped, a bad one quarantined."""
    report = HistoryReport()
    source = iter(rows)
    while batch := list(islice(source, CHUNK)):
        read = [(row_no, raw, *read_activity(raw)) for row_no, raw in batch]
        leads = _leads(session, {a.lead for _, _, a, _ in read if a is not None})
        logged = _logged(session, [lead[0] for lead in leads.values()])
        kept: list[dict[str, Any]] = []
        for row_no, raw, activity, errors in read:
            found = None if activity is None else leads.get(activity.lead)
            if activity is not None and found is None:
                errors = {"lead": f"no lead has the external id {activity.lead!r}"}
            elif activity is not None and found is not None:
                errors = _checked(activity.at, found, now)
            if activity is None or found is None or errors:
                where = f"{origin} row {row_no}"
                qid = quarantine(
                    session, where, getattr(raw, "verbatim", raw), errors, rules.privacy, now
                )
                report.reject(row_no, errors, qid, shown)
                continue
            key = (found[0], activity.at, activity.channel.value)
            if key in logged:
                report.replayed += 1
                continue
            logged.add(key)
            kept.append(
                {
                    "lead_id": found[0],
                    "rep_id": found[1],
                    "at": activity.at,
                    "channel": activity.channel.value,
                    "key_points": activity.key_points,
                    "feedback": activity.feedback,
                    "next_action": activity.next_action,
                    "logged_at": activity.at,
                    "late": False,
                }
            )
        if kept:
            session.execute(insert(Activity), kept)
        report.accepted += len(kept)
    return report


Found = tuple[int, int | None, dt.datetime, bool]  # id, owner, created, migrated


def _leads(session: Session, external_ids: set[str]) -> dict[str, Found]:
    """The leads with these external ids."""
    if not external_ids:
        return {}
    query = select(Lead.external_id, Lead.id, Lead.owner_id, Lead.created_at, Lead.migrated_at)
    rows = session.execute(query.where(Lead.external_id.in_(external_ids)))
    return {x: (i, o, c, m is not None) for x, i, o, c, m in rows if x is not None}


def _checked(at: dt.datetime, lead: Found, now: dt.datetime) -> dict[str, str]:
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


def _logged(session: Session, lead_ids: list[int]) -> set[tuple[int, dt.datetime, str]]:
    """The contacts these leads have logged already: (lead, time, channel)."""
    if not lead_ids:
        return set()
    query = select(Activity.lead_id, Activity.at, Activity.channel)
    return set(session.execute(query.where(Activity.lead_id.in_(lead_ids))).tuples())
