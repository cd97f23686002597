"""Requests that arrive together are written independently: each in a transaction of its
own, through the same write path as every other writer (no API-only lock or group). On a
SQLite file they wait for its one writer; on PostgreSQL they run side by side. Every
request gets its own answer, nothing is stored twice, and history names each request's
key (reliability guarantee 8)."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
from sqlalchemy import func, select

from leadflow.bootstrap import unit_of_work
from leadflow.store.models import FieldChange, Lead
from leadflow.store.outbound_models import QuarantinedRecord
from tests import factories as f
from tests.e2e.api_harness import ok, running_api

CLIENTS = 8


def _all_at_once(calls: list[Any]) -> list[httpx.Response]:
    """Run every call from a thread of its own, released together; their responses."""
    answers: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        answers[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(a is not None for a in answers)
    return answers


def _count(url: str, model: Any, *where: Any) -> int:
    with unit_of_work("test", url=url) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_requests_arriving_together_each_get_their_own_answer(db_url):
    with running_api(db_url) as api:
        clients = [api.as_role("system") for _ in range(CLIENTS)]
        stored = [f.lead_record() for _ in range(CLIENTS)]
        ok(clients[0].post("/leads/batch", json={"leads": stored}), 201)
        # Each client repeats one stored person (from another channel) and adds new leads;
        # one also sends a body that is not JSON, two share an Idempotency-Key.
        calls = [
            lambda c=c, i=i: c.post(
                "/leads/batch",
                json={
                    "leads": [
                        {**stored[i], "source": "referral"},
                        *(f.lead_record() for _ in range(20)),
                    ]
                },
            )
            for i, c in enumerate(clients)
        ]
        calls.append(lambda: clients[0].post("/leads/batch", content=b'{"leads": ['))
        same = {"leads": [f.lead_record() for _ in range(5)]}
        calls += [
            lambda: clients[1].post("/leads/batch", json=same, headers={"Idempotency-Key": "once"})
        ] * 2
        answers = _all_at_once(calls)
    batches, refused, twins = answers[:CLIENTS], answers[CLIENTS], answers[CLIENTS + 1 :]
    assert [r.status_code for r in batches] == [201] * CLIENTS, [r.text for r in batches]
    assert refused.status_code == 422 and refused.json()["quarantine_id"]
    # One stored the keyed batch, the other got the same answer as a repeat.
    assert sorted(r.status_code for r in twins) == [200, 201]
    assert twins[0].json()["results"] == twins[1].json()["results"]
    assert _count(db_url, Lead) == CLIENTS + CLIENTS * 20 + 5
    assert _count(db_url, QuarantinedRecord) == 1
    with unit_of_work("test", url=db_url) as uow:
        notes = uow.session.execute(
            select(FieldChange.lead_id, FieldChange.new_value)
            .where(FieldChange.field == "merged_duplicate")
            .order_by(FieldChange.lead_id)
        ).all()
    repeats = [r.json()["results"][0] for r in batches]
    assert all(item["status"] == "duplicate" for item in repeats)
    # Each repeat is merged once, into its own stored lead, naming its own request's key.
    assert len(notes) == CLIENTS and len({lead for lead, _ in notes}) == CLIENTS
    assert len({json.loads(note)["origin"] for _, note in notes}) == CLIENTS
