"""Requests to store leads, as other systems send them (the API) and as managers retry them
(the API and the CLI): a body parsed, a bad one kept in quarantine (less the personal data
the product refuses) and refused, an Idempotency-Key's stored answer, a quarantined record
replayed after a fix."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from leadflow.errors import DOES_NOT_FIT, InvalidInput, NotFound, Rejected, VersionConflict
from leadflow.intake.receive import quarantine, store_leads
from leadflow.phrases import N_, listed
from leadflow.rules.config import RulesConfig
from leadflow.schemas import (
    DuplicateKeys,
    ImportSummary,
    LeadIn,
    duplicate_key_errors,
    field_errors,
    loads_strict,
    read_lead,
)
from leadflow.store.auth_models import IdempotencyRecord
from leadflow.store.models import Lead, utcnow
from leadflow.store.outbound_models import QuarantinedRecord
from leadflow.store.uow import UnitOfWork

T = TypeVar("T")


def message(errors: dict[str, str]) -> str:
    return N_("rejected: {errors}", errors=listed(errors))


def reject(
    uow: UnitOfWork, origin: str, payload: str, errors: dict[str, str], rules: RulesConfig
) -> NoReturn:
    """Keep the payload in quarantine (verbatim, less the personal data the product
    refuses), commit that, and refuse the request.

    NUL characters, which PostgreSQL text cannot hold, are kept as the four characters \\x00."""
    qid = quarantine(uow.session, origin, payload.replace("\x00", "\\x00"), errors, rules.privacy)
    uow.commit()
    raise Rejected(message(errors), errors, qid)


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
        problem = N_("the body is not UTF-8 text")
    except json.JSONDecodeError as exc:
        problem = N_(
            "malformed JSON: {why} (line {line}, column {column})",
            why=exc.msg,
            line=exc.lineno,
            column=exc.colno,
        )
    except (ValueError, RecursionError) as exc:
        problem = N_("malformed JSON: {why}", why=str(exc)[:200] or N_("nested too deeply"))
    raise NotJson(problem, text)


def parse_lead(
    uow: UnitOfWork, raw: bytes, origin: str, rules: RulesConfig, keep: bool = True
) -> LeadIn:
    """A valid lead from a body; a bad one is quarantined (when `keep`) and refused."""
    try:
        text, data = parse_json(raw)
    except NotJson as exc:
        text, errors = exc.text, exc.errors
    else:
        try:
            return read_lead(data, utcnow(), True, rules.data_quality.need_required)
        except ValidationError as exc:
            errors = field_errors(exc)
    if keep:
        reject(uow, origin, text, errors, rules)
    raise InvalidInput(message(errors), errors)


def once_more_on_conflict(uow: UnitOfWork, work: Callable[[], T]) -> T:
    """Run `work` in the unit of work's attempts (uow.run); if a concurrent writer stored
    the same lead or key first, or changed a lead this request merges a repeat into, run it
    again (it then finds theirs and answers as for a repeat, or merges into the lead as it
    is now). Seen on PostgreSQL with two workers: two batches repeating one person lost a
    version check to each other."""
    try:
        return uow.run(work, races=(IntegrityError, StaleDataError, VersionConflict))
    except StaleDataError:  # told in LeadFlow's words, not SQLAlchemy's
        uow.session.rollback()
        raise VersionConflict() from None


def store_or_refuse(
    uow: UnitOfWork,
    origin: str,
    raw: bytes,
    store: Callable[[], T],
    rules: RulesConfig,
    keep: bool = True,
) -> T:
    """Run `store`; a value the database refuses (longer than its column) is refused as
    input, and the payload quarantined (when `keep`), rather than failing with a 500."""
    try:
        return store()
    except DataError:
        uow.session.rollback()
        problem = DOES_NOT_FIT
    if keep:
        reject(uow, origin, raw.decode("utf-8", "backslashreplace"), {"(record)": problem}, rules)
    raise InvalidInput(problem, {"(record)": problem})


def fingerprint(method: str, path: str, raw: bytes) -> str:
    """What makes two requests with one Idempotency-Key the same request."""
    return hashlib.sha256(f"{method} {path}\n".encode() + raw).hexdigest()


def stored_answer(
    session: Session, key_id: int, idem_key: str | None, print_: str
) -> tuple[int, dict[str, Any]] | None:
    """The answer kept for a repeated Idempotency-Key, or None when the key is new; a key
    used before for a different request is InvalidInput."""
    if idem_key is None:
        return None
    if not 1 <= len(idem_key) <= 200:
        raise InvalidInput(
            N_(
                "Idempotency-Key: 1 to 200 characters",
            ),
            {"Idempotency-Key": "1 to 200 characters"},
        )
    record = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.api_key_id == key_id, IdempotencyRecord.key == idem_key
        )
    )
    if record is None:
        return None
    if record.fingerprint != print_:
        raise InvalidInput(
            N_(
                "Idempotency-Key: already used for a different request",
            ),
            {"Idempotency-Key": "already used for a different request"},
        )
    return record.status_code, record.response


def keep_answer(
    session: Session, key_id: int, idem_key: str, print_: str, status: int, body: dict[str, Any]
) -> None:
    """Keep an answer under its Idempotency-Key, in the request's transaction."""
    session.add(
        IdempotencyRecord(
            api_key_id=key_id, key=idem_key, fingerprint=print_, status_code=status, response=body
        )
    )


def _state_of(session: Session, lead_id: int) -> str:
    return str(session.scalar(select(Lead.state).where(Lead.id == lead_id)))


def store_lead(
    session: Session, lead: LeadIn, origin: str, rules: RulesConfig, by_hand: bool = False
) -> tuple[int, bool, str]:
    """Store one valid lead: its id, whether it is new (False: a repeat, the original's id),
    and its state."""
    summary = store_leads(session, [(1, lead)], origin, rules, by_hand=by_hand)
    created = bool(summary.lead_ids)
    lead_id = summary.lead_ids[0] if created else summary.duplicate_of[1]
    return lead_id, created, _state_of(session, lead_id)


def batch_states(session: Session, summary: ImportSummary) -> dict[int, str]:
    """The state of every lead a batch answers with: a created lead is new; only a repeat's
    lead may have moved on, so only those are read."""
    states = dict.fromkeys(summary.lead_ids, "new")
    repeats = set(summary.duplicate_of.values())
    if repeats:
        states |= dict(
            session.execute(select(Lead.id, Lead.state).where(Lead.id.in_(repeats))).tuples().all()
        )
    return states


def replay(
    uow: UnitOfWork, record_id: int, corrected: bytes | None, origin: str, rules: RulesConfig
) -> tuple[int, bool, str]:
    """Retry a quarantined record, as stored or with the `corrected` body, and commit: the
    lead's id, whether it was created now, and its state. A record replayed before answers
    with its lead; a corrected body that still fails is itself kept in quarantine."""
    record = uow.session.get(QuarantinedRecord, record_id)
    if record is None:
        raise NotFound(N_("quarantined record {record_id} does not exist", record_id=record_id))
    if record.replayed_lead_id is not None:
        lead_id = record.replayed_lead_id
        return lead_id, False, _state_of(uow.session, lead_id)
    keep = corrected is not None
    body = corrected if corrected is not None else record.payload.encode("utf-8")

    def work() -> tuple[int, bool, str]:
        lead = parse_lead(uow, body, origin, rules, keep=keep)
        done = store_or_refuse(
            uow, origin, body, lambda: store_lead(uow.session, lead, origin, rules), rules, keep
        )
        record.replayed_lead_id = done[0]
        uow.commit()
        return done

    return once_more_on_conflict(uow, work)
