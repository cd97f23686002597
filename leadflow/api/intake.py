"""Taking leads in over HTTP: parse, quarantine what fails, dedupe, and answer a repeat
(same external_id, or same Idempotency-Key) with the original lead."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NoReturn, TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from leadflow.api.errors import DOES_NOT_FIT, Rejected
from leadflow.api.schemas import MAX_BATCH, BatchItem, BatchOut, LeadRef, links
from leadflow.errors import InvalidInput, VersionConflict
from leadflow.intake.receive import (
    PreparedLeads,
    prepare_leads,
    quarantine,
    store_leads,
    store_prepared,
)
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import State
from leadflow.schemas import (
    DuplicateKeys,
    ImportSummary,
    LeadIn,
    duplicate_key_errors,
    field_errors,
    loads_strict,
)
from leadflow.store.auth_models import IdempotencyRecord
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork

T = TypeVar("T")
PARTIAL = 207  # a batch with rejected items: per-item results, the accepted ones stored


@dataclass
class Outcome:
    """An answer to send (status and JSON body) and the ids of leads it created. The body
    may be given as a function, called when the body is first read: a batch's answer is
    built after the write turn, unless an Idempotency-Key keeps it in the transaction."""

    status: int
    render: dict[str, Any] | Callable[[], dict[str, Any]]
    created: list[int]

    @cached_property
    def body(self) -> dict[str, Any]:
        return self.render() if callable(self.render) else self.render


def _message(errors: dict[str, str]) -> str:
    return "rejected: " + "; ".join(f"{k}: {v}" for k, v in errors.items())


def reject(uow: UnitOfWork, origin: str, payload: str, errors: dict[str, str]) -> NoReturn:
    """Keep the payload verbatim in quarantine, commit that, and refuse the request.

    NUL characters, which PostgreSQL text cannot hold, are kept as the four characters \\x00."""
    qid = quarantine(uow.session, origin, payload.replace("\x00", "\\x00"), errors)
    uow.commit()
    raise Rejected(_message(errors), errors, qid)


class NotJson(InvalidInput):
    """A body that is not JSON text; it keeps the text so that it can be quarantined."""

    def __init__(self, problem: str, text: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(problem, errors or {"(record)": problem})
        self.text = text


def parse_json(raw: bytes) -> tuple[str, Any]:
    """The body's text and its JSON value; NotJson when it is not JSON."""
    text = raw.decode("utf-8", "backslashreplace")
    try:
        return text, loads_strict(raw.decode("utf-8"))
    except DuplicateKeys as exc:
        raise NotJson(str(exc), text, duplicate_key_errors(exc)) from None
    except UnicodeDecodeError:
        problem = "the body is not UTF-8 text"
    except json.JSONDecodeError as exc:
        problem = f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        problem = f"malformed JSON: {str(exc)[:200] or 'nested too deeply'}"
    raise NotJson(problem, text)


def parse_lead(uow: UnitOfWork, raw: bytes, origin: str, keep: bool = True) -> LeadIn:
    """A valid lead from a body; a bad one is quarantined verbatim (when `keep`) and refused."""
    try:
        text, data = parse_json(raw)
    except NotJson as exc:
        text, errors = exc.text, exc.errors
    else:
        try:
            return LeadIn.model_validate(data)
        except ValidationError as exc:
            errors = field_errors(exc)
    if keep:
        reject(uow, origin, text, errors)
    raise InvalidInput(_message(errors), errors)


# Attempts of one request whose writes lose to concurrent writers before it is refused.
ATTEMPTS = 3


def once_more_on_conflict(uow: UnitOfWork, work: Callable[[], T]) -> T:
    """Run `work`; if a concurrent writer stored the same lead or key first, or changed a
    lead this request merges a repeat into, run it again (it then finds theirs and answers
    as for a repeat, or merges into the lead as it is now). Seen on PostgreSQL with two
    workers: two batches repeating one person lost a version check to each other."""
    for _ in range(ATTEMPTS - 1):
        try:
            return work()
        except (IntegrityError, StaleDataError, VersionConflict):
            uow.session.rollback()
    try:
        return work()
    except StaleDataError:  # told in LeadFlow's words, not SQLAlchemy's
        uow.session.rollback()
        raise VersionConflict() from None


def store_or_refuse(uow: UnitOfWork, origin: str, raw: bytes, store: Callable[[], T],
                    keep: bool = True) -> T:
    """Run `store`; a value the database refuses (longer than its column) is refused as
    input, and the payload quarantined (when `keep`), rather than failing with a 500."""
    try:
        return store()
    except DataError:
        uow.session.rollback()
        problem = DOES_NOT_FIT
    if keep:
        reject(uow, origin, raw.decode("utf-8", "backslashreplace"), {"(record)": problem})
    raise InvalidInput(problem, {"(record)": problem})


def fingerprint(method: str, path: str, raw: bytes) -> str:
    """What makes two requests with one Idempotency-Key the same request."""
    return hashlib.sha256(f"{method} {path}\n".encode() + raw).hexdigest()


def replayed(uow: UnitOfWork, key_id: int, idem_key: str | None, print_: str
             ) -> Outcome | None:
    """The stored answer for a repeated Idempotency-Key (as 200), or None when it is new."""
    if idem_key is None:
        return None
    if not 1 <= len(idem_key) <= 200:
        raise InvalidInput("Idempotency-Key: 1 to 200 characters",
                           {"Idempotency-Key": "1 to 200 characters"})
    record = uow.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.api_key_id == key_id, IdempotencyRecord.key == idem_key))
    if record is None:
        return None
    if record.fingerprint != print_:
        raise InvalidInput("Idempotency-Key: already used for a different request",
                           {"Idempotency-Key": "already used for a different request"})
    return Outcome(200, record.response, [])


def remember(uow: UnitOfWork, key_id: int, idem_key: str | None, print_: str,
             outcome: Outcome) -> None:
    """Keep a successful answer under its Idempotency-Key."""
    if idem_key is not None and outcome.status in (200, 201, PARTIAL):
        uow.session.add(IdempotencyRecord(api_key_id=key_id, key=idem_key, fingerprint=print_,
                                          status_code=outcome.status, response=outcome.body))


def lead_ref(lead_id: int, state: str) -> dict[str, Any]:
    """The body of a create answer."""
    return LeadRef(id=lead_id, state=state, links=links(lead_id)).model_dump()


def store_one(uow: UnitOfWork, lead: LeadIn, origin: str, rules: RulesConfig) -> Outcome:
    """Store one valid lead: 201 when new, 200 with the existing lead when a repeat."""
    summary = store_leads(uow.session, [(1, lead)], origin, rules)
    if summary.lead_ids:
        lead_id, status = summary.lead_ids[0], 201
    else:
        lead_id, status = summary.duplicate_of[1], 200
    state = uow.session.scalar(select(Lead.state).where(Lead.id == lead_id))
    return Outcome(status, lead_ref(lead_id, str(state)), summary.lead_ids)


@dataclass
class PreparedBatch:
    """A batch body parsed and its items validated, before any database work; or, with no
    `leads`, what is wrong with the body as a whole (`refused`), quarantined when stored."""

    text: str
    count: int = 0
    leads: PreparedLeads | None = None
    refused: dict[str, str] = field(default_factory=dict)


def prepare_batch(raw: bytes, origin: str, rules: RulesConfig) -> PreparedBatch:
    """Parse a batch body and validate its items; no I/O."""
    try:
        text, data = parse_json(raw)
    except NotJson as exc:
        return PreparedBatch(exc.text, refused=exc.errors)
    items = data.get("leads") if isinstance(data, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH or len(data) != 1:
        got = f" (got {len(items)})" if isinstance(items, list) else ""
        return PreparedBatch(text, refused={
            "leads": f"an object with a list of 1 to {MAX_BATCH} leads under 'leads' is "
                     f"required{got}"})
    return PreparedBatch(text, len(items), prepare_leads(enumerate(items), origin, rules))


def store_batch(uow: UnitOfWork, batch: PreparedBatch, origin: str,
                rules: RulesConfig) -> Outcome:
    """Store a prepared batch: 207 if any item was rejected (each in quarantine, the rest
    stored), else 201 if any lead is new, 200 if all were repeats; or the whole body
    quarantined and refused (422)."""
    if batch.leads is None:
        reject(uow, origin, batch.text, batch.refused)
    summary = store_prepared(uow.session, batch.leads, origin, rules)
    # A created lead is new; only a repeat's lead may have moved on.
    repeats = set(summary.duplicate_of.values())
    states = dict.fromkeys(summary.lead_ids, State.new.value)
    if repeats:
        states |= dict(uow.session.execute(select(Lead.id, Lead.state).where(
            Lead.id.in_(repeats))).tuples().all())
    status = PARTIAL if summary.rejected else 201 if summary.accepted else 200
    return Outcome(status, lambda: _batch_body(batch.count, summary, states).model_dump(
        exclude_none=True), summary.lead_ids)


def _batch_body(count: int, summary: ImportSummary, states: dict[int, str]) -> BatchOut:
    rejected = {r["row"]: r for r in summary.rejections}
    fresh = [i for i in range(count) if i not in rejected and i not in summary.duplicate_of]
    created = dict(zip(fresh, summary.lead_ids, strict=True))
    results = []
    for i in range(count):
        if i in rejected:
            results.append(BatchItem(index=i, status="rejected", errors=rejected[i]["errors"],
                                     quarantine_id=rejected[i]["quarantine_id"]))
            continue
        lead_id = created.get(i) or summary.duplicate_of[i]
        results.append(BatchItem(index=i, status="created" if i in created else "duplicate",
                                 id=lead_id, state=states[lead_id], links=links(lead_id)))
    return BatchOut(accepted=summary.accepted, duplicates=summary.duplicates,
                    rejected=summary.rejected, results=results)
