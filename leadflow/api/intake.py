"""Taking leads in over HTTP: the answers (status, body) to a lead or a batch, built on
leadflow.intake.requests, which parses, quarantines what fails, dedupes and finds a
repeated Idempotency-Key's answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from leadflow.api.schemas import MAX_BATCH, BatchItem, BatchOut, LeadRef, links
from leadflow.intake.receive import PreparedLeads, prepare_leads, store_prepared
from leadflow.intake.requests import (
    NotJson,
    batch_states,
    keep_answer,
    parse_json,
    reject,
    store_lead,
    stored_answer,
)
from leadflow.rules.config import RulesConfig
from leadflow.schemas import ImportSummary, LeadIn
from leadflow.store.uow import UnitOfWork

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


def replayed(uow: UnitOfWork, key_id: int, idem_key: str | None, print_: str) -> Outcome | None:
    """The stored answer for a repeated Idempotency-Key (as 200), or None when it is new."""
    answer = stored_answer(uow.session, key_id, idem_key, print_)
    return None if answer is None else Outcome(200, answer[1], [])


def remember(
    uow: UnitOfWork, key_id: int, idem_key: str | None, print_: str, outcome: Outcome
) -> None:
    """Keep a successful answer under its Idempotency-Key."""
    if idem_key is not None and outcome.status in (200, 201, PARTIAL):
        keep_answer(uow.session, key_id, idem_key, print_, outcome.status, outcome.body)


def lead_ref(lead_id: int, state: str) -> dict[str, Any]:
    """The body of a create answer."""
    return LeadRef(id=lead_id, state=state, links=links(lead_id)).model_dump()


def store_one(
    uow: UnitOfWork, lead: LeadIn, origin: str, rules: RulesConfig, by_hand: bool = False
) -> Outcome:
    """Store one valid lead: 201 when new, 200 with the existing lead when a repeat."""
    lead_id, created, state = store_lead(uow.session, lead, origin, rules, by_hand)
    return Outcome(201 if created else 200, lead_ref(lead_id, state), [lead_id] if created else [])


@dataclass
class PreparedBatch:
    """A batch body parsed and its items validated, before any database work; or, with no
    `leads`, what is wrong with the body as a whole (`refused`), quarantined when stored."""

    text: str
    count: int = 0
    leads: PreparedLeads | None = None
    refused: dict[str, str] = field(default_factory=dict)


def prepare_batch(
    raw: bytes, origin: str, rules: RulesConfig, by_hand: bool = False
) -> PreparedBatch:
    """Parse a batch body and validate its items; no I/O."""
    try:
        text, data = parse_json(raw)
    except NotJson as exc:
        return PreparedBatch(exc.text, refused=exc.errors)
    items = data.get("leads") if isinstance(data, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH or len(data) != 1:
        got = f" (got {len(items)})" if isinstance(items, list) else ""
        return PreparedBatch(
            text,
            refused={
                "leads": f"an object with a list of 1 to {MAX_BATCH} leads under 'leads' is "
                f"required{got}"
            },
        )
    return PreparedBatch(
        text,
        len(items),
        prepare_leads(enumerate(items), origin, rules, by_hand=by_hand, typed=True),
    )


def store_batch(uow: UnitOfWork, batch: PreparedBatch, origin: str, rules: RulesConfig) -> Outcome:
    """Store a prepared batch: 207 if any item was rejected (each in quarantine, the rest
    stored), else 201 if any lead is new, 200 if all were repeats; or the whole body
    quarantined and refused (422)."""
    if batch.leads is None:
        reject(uow, origin, batch.text, batch.refused, rules)
    summary = store_prepared(uow.session, batch.leads, origin, rules)
    states = batch_states(uow.session, summary)
    status = PARTIAL if summary.rejected else 201 if summary.accepted else 200
    return Outcome(
        status,
        lambda: _batch_body(batch.count, summary, states).model_dump(exclude_none=True),
        summary.lead_ids,
    )


def _batch_body(count: int, summary: ImportSummary, states: dict[int, str]) -> BatchOut:
    rejected = {r["row"]: r for r in summary.rejections}
    fresh = [i for i in range(count) if i not in rejected and i not in summary.duplicate_of]
    created = dict(zip(fresh, summary.lead_ids, strict=True))
    results = []
    for i in range(count):
        if i in rejected:
            results.append(
                BatchItem(
                    index=i,
                    status="rejected",
                    errors=rejected[i]["errors"],
                    quarantine_id=rejected[i]["quarantine_id"],
                )
            )
            continue
        lead_id = created.get(i) or summary.duplicate_of[i]
        results.append(
            BatchItem(
                index=i,
                status="created" if i in created else "duplicate",
                id=lead_id,
                state=states[lead_id],
                links=links(lead_id),
            )
        )
    return BatchOut(
        accepted=summary.accepted,
        duplicates=summary.duplicates,
        rejected=summary.rejected,
        results=results,
    )
