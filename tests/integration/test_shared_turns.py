"""An API worker's requests waiting for the SQLite writer share one write turn and one
transaction (group commit); a request that fails in a group costs the others nothing:
each is then written alone and gets its own answer, and nothing is written twice."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, func, select

from leadflow.api.errors import Rejected
from leadflow.api.intake import Outcome, prepare_batch, store_batch
from leadflow.api.turns import SharedTurns, shared_turns, write_turn
from leadflow.bootstrap import unit_of_work
from leadflow.store.db import engine_for, writer_turn
from leadflow.store.models import FieldChange, Lead
from leadflow.store.outbound_models import QuarantinedRecord
from tests import factories as f


def _work(raw: bytes, rules: Any, origin: str = "test") -> Any:
    def work(unit: Any) -> Outcome:
        batch = prepare_batch(raw, origin, rules, unit.session.get_bind().dialect)
        return store_batch(unit, batch, origin, rules)
    return work


def _body(records: list[dict[str, Any]]) -> bytes:
    return json.dumps({"leads": records}).encode()


def _all_at_once(url: str, turns: SharedTurns, requests: list[tuple[str, bytes]], rules: Any
                 ) -> list[Outcome | Exception]:
    """Post every (actor, body) from a thread of its own while the writer turn is held
    elsewhere, so that they queue; then let them write. Each one's answer or error."""
    answers: list[Outcome | Exception | None] = [None] * len(requests)

    def post(i: int, actor: str, raw: bytes) -> None:
        with unit_of_work(actor, url=url) as uow:
            try:
                answers[i] = turns.write(uow, _work(raw, rules), 3)
            except Exception as exc:  # the request's own refusal
                answers[i] = exc

    threads = [threading.Thread(target=post, args=(i, actor, raw))
               for i, (actor, raw) in enumerate(requests)]
    with writer_turn(engine_for(url)):
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        # One of them leads (and waits for the turn held here); the rest queue behind it.
        while len(turns._waiting) < len(requests) - 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    for thread in threads:
        thread.join(timeout=30)
    assert all(a is not None for a in answers)
    return answers  # type: ignore[return-value]


@pytest.fixture
def commits(sqlite_url):
    counted: list[int] = []
    engine = engine_for(sqlite_url)
    listener = lambda _conn: counted.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    yield counted
    event.remove(engine, "commit", listener)


def _count(url: str, model: Any, *where: Any) -> int:
    with unit_of_work("test", url=url) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_waiting_requests_are_written_in_one_transaction(sqlite_url, rules, commits):
    turns = SharedTurns(engine_for(sqlite_url))
    requests = [(f"api key {i}", _body([f.lead_record() for _ in range(3)])) for i in range(6)]
    answers = _all_at_once(sqlite_url, turns, requests, rules)
    assert [a.status for a in answers] == [201] * 6  # type: ignore[union-attr]
    ids = [i for a in answers for i in a.created]  # type: ignore[union-attr]
    assert len(set(ids)) == 18 and _count(sqlite_url, Lead) == 18
    # The first to come writes alone while the others queue; they go in together after it.
    assert len(commits) == 2


def test_a_refused_request_in_a_group_is_refused_alone_and_the_rest_stored_once(
        sqlite_url, rules, commits):
    turns = SharedTurns(engine_for(sqlite_url))
    requests = [(f"api key {i}", _body([f.lead_record() for _ in range(3)])) for i in range(5)]
    requests.insert(3, ("api key 9", b'{"leads": ['))  # not JSON: quarantined and refused
    answers = _all_at_once(sqlite_url, turns, requests, rules)
    refused = answers.pop(3)
    assert isinstance(refused, Rejected) and refused.quarantine_id
    assert [a.status for a in answers] == [201] * 5  # type: ignore[union-attr]
    assert _count(sqlite_url, Lead) == 15
    assert _count(sqlite_url, QuarantinedRecord) == 1
    # Nothing of the failed group was kept and then stored again as a repeat.
    assert _count(sqlite_url, FieldChange, FieldChange.field == "merged_duplicate") == 0
    assert len(commits) > 2  # the group fell back to a transaction each


def test_each_request_of_a_group_is_named_in_the_history_it_writes(sqlite_url, rules):
    turns = SharedTurns(engine_for(sqlite_url))
    stored = [f.lead_record() for _ in range(4)]
    with unit_of_work("first", url=sqlite_url) as uow:
        write_turn(uow, _work(_body(stored), rules), 4)
    # Each request repeats one stored lead (from another channel) and adds a new one.
    requests = [(f"api key {i}", _body([{**stored[i], "source": "referral"}, f.lead_record()]))
                for i in range(4)]
    answers = _all_at_once(sqlite_url, turns, requests, rules)
    assert [a.status for a in answers] == [201] * 4  # type: ignore[union-attr]
    with unit_of_work("test", url=sqlite_url) as uow:
        notes = uow.session.execute(select(FieldChange.lead_id, FieldChange.actor).where(
            FieldChange.field == "merged_duplicate").order_by(FieldChange.lead_id)).all()
    assert [actor for _, actor in notes] == [f"api key {i}" for i in range(4)]


def test_only_a_sqlite_file_shares_turns(sqlite_url):
    assert isinstance(shared_turns(engine_for(sqlite_url)), SharedTurns)
    assert shared_turns(engine_for("sqlite://")) is None
