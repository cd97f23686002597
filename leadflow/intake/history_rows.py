"""One row of another CRM's history as LeadFlow reads it: the lead, and its past (owner,
when it was created and reached each state, how it ended); and one row of its follow-up
log. No I/O: who the owner is and whether the lead is stored are the importer's questions
(intake/history.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationError,
    model_validator,
)

from leadflow.amounts import Price
from leadflow.phrases import N_
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import ActivityChannel, State
from leadflow.schemas import LeadIn, field_errors, naive_is_utc, read_lead

PastTime = Annotated[AwareDatetime, BeforeValidator(naive_is_utc)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]

# The times a lead reached each step, in the order they must run.
STAMPS = ("created_at", "screened_at", "opportunity_at", "negotiation_at", "closed_at")
HISTORY_FIELDS = ("owner", "state", *STAMPS, "contract_value", "loss_reason")
ACTIVITY_FIELDS = ("lead", "at", "channel", "key_points", "feedback", "next_action")
CLOSED = (State.won, State.lost)
_OWN_STAMP = {
    State.screened: "screened_at",
    State.opportunity: "opportunity_at",
    State.negotiation: "negotiation_at",
    State.won: "closed_at",
    State.lost: "closed_at",
}


class HistoryReport(BaseModel):
    """What a history import did: counts, and the first rejections (all are quarantined)."""

    accepted: int = 0
    closed: int = 0  # won or lost: nothing follows from them
    open: int = 0  # their clocks start at clock_from
    rejected: int = 0
    replayed: int = 0  # rows whose external id was stored already, skipped
    clock_from: dt.datetime | None = None
    rejections: list[dict[str, Any]] = []

    def reject(
        self, row: int, errors: dict[str, str], quarantine_id: int | None, shown: int
    ) -> None:
        """Count one rejected row in (kept in the quarantine as `quarantine_id`)."""
        self.rejected += 1
        if len(self.rejections) < shown:
            kept = {} if quarantine_id is None else {"quarantine_id": quarantine_id}
            self.rejections.append({"row": row, "errors": errors, **kept})


def _moment(value: dt.datetime) -> str:
    return value.isoformat(timespec="minutes")


class PastIn(BaseModel):
    """A lead's past as a CRM export has it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    owner: Annotated[str, StringConstraints(min_length=1, max_length=254)] | None = None
    state: State
    created_at: PastTime
    screened_at: PastTime | None = None
    opportunity_at: PastTime | None = None
    negotiation_at: PastTime | None = None
    closed_at: PastTime | None = None
    contract_value: Price | None = None
    # Kept as the CRM wrote it, one of the rule book's reasons or not.
    loss_reason: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PastIn:
        given = [(name, getattr(self, name)) for name in STAMPS if getattr(self, name)]
        for (early, at), (late, later) in zip(given, given[1:], strict=False):
            if later < at:
                raise ValueError(
                    N_(
                        "{late} ({later}) is before {early} ({at}): the times must run {stamps}",
                        late=late,
                        later=_moment(later),
                        early=early,
                        at=_moment(at),
                        stamps=" <= ".join(STAMPS),
                    )
                )
        own = _OWN_STAMP.get(self.state)
        if own is not None and getattr(self, own) is None:
            raise ValueError(
                N_("{own}: required for a lead in state {state}", own=own, state=self.state.value)
            )
        if self.state not in CLOSED and self.closed_at is not None:
            raise ValueError(
                N_("closed_at: given, but the lead is {state} (open)", state=self.state.value)
            )
        if self.state is State.won and self.contract_value is None:
            raise ValueError(N_("contract_value: required for a won deal"))
        if self.state is not State.lost and self.loss_reason is not None:
            raise ValueError(
                N_("loss_reason: given, but the lead is {state}", state=self.state.value)
            )
        return self

    @property
    def closed(self) -> bool:
        """Won or lost: a deal of the past that sends nothing."""
        return self.state in CLOSED

    @property
    def latest(self) -> dt.datetime:
        """The last time the row records."""
        times: list[dt.datetime] = [getattr(self, name) for name in STAMPS]
        return max(t for t in times if t is not None)

    @property
    def screened(self) -> bool | None:
        """The screening's verdict the history implies: None while new, False for a lead
        lost before any later step (disqualified), else True."""
        if self.state is State.new:
            return None
        passed = self.screened_at or self.opportunity_at or self.negotiation_at
        return not (self.state is State.lost and passed is None)


class ActivityIn(BaseModel):
    """One contact of a CRM's follow-up log: which lead (its external id), when, how, what."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lead: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    at: PastTime
    channel: ActivityChannel
    key_points: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    feedback: Text | None = None
    next_action: Text | None = None


def read_past(
    raw: Any, rules: RulesConfig, now: dt.datetime
) -> tuple[LeadIn | None, PastIn | None, dict[str, str]]:
    """A history row as its lead and its past, or what is wrong with it (every field). A
    closed deal needs no phone or email; relative words count from its creation."""
    problem = getattr(raw, "problem", None)
    if problem or not isinstance(raw, dict):
        return None, None, {"(record)": problem or "expected an object of lead fields"}
    past_part = {k: v for k, v in raw.items() if k in HISTORY_FIELDS}
    lead_part = {k: v for k, v in raw.items() if k not in HISTORY_FIELDS}
    errors: dict[str, str] = {}
    past: PastIn | None = None
    try:
        past = PastIn.model_validate(past_part)
    except ValidationError as exc:
        errors.update(field_errors(exc))
    lead: LeadIn | None = None
    try:
        created = past.created_at if past is not None else now
        lead = read_lead(
            lead_part,
            created,
            need_required=rules.data_quality.need_required,
            # A closed deal needs no way to reach it, even when its past is wrong too.
            contact_required=str(past_part.get("state")) not in CLOSED,
        )
    except ValidationError as exc:
        for key, text in field_errors(exc).items():  # both may speak of the whole record
            errors[key] = f"{errors[key]}; {text}" if key in errors else text
    return (lead, past, {}) if not errors else (None, None, errors)


def preview(
    rows: Iterable[tuple[int, Any]],
    rules: RulesConfig,
    now: dt.datetime,
    activities: bool,
    shown: int,
) -> HistoryReport:
    """What a history (or, `activities`, a follow-up log) file holds as read, without the
    database: counts and the first rejections (owners and leads are checked when stored)."""
    report = HistoryReport()
    for row_no, raw in rows:
        if activities:
            errors = read_activity(raw)[1]
        else:
            _lead, past, errors = read_past(raw, rules, now)
            report.closed += int(past is not None and past.closed)
            report.open += int(past is not None and not past.closed)
        if errors:
            report.reject(row_no, errors, None, shown)
        else:
            report.accepted += 1
    return report


def read_activity(raw: Any) -> tuple[ActivityIn | None, dict[str, str]]:
    """A follow-up log row, or what is wrong with it."""
    problem = getattr(raw, "problem", None)
    if problem or not isinstance(raw, dict):
        return None, {"(record)": problem or "expected an object of activity fields"}
    try:
        return ActivityIn.model_validate(raw), {}
    except ValidationError as exc:
        return None, field_errors(exc)
