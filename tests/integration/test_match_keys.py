"""Match keys in the database (reliability guarantees 26 and 27): a writer claims a person's
keys in its transaction, so a second writer of that person waits and joins the first's
lead; the lead writer keeps the keys in step with the fields; a deadlock is run again."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from leadflow.intake.receive import store_leads
from leadflow.rules.contact import match_keys
from leadflow.store.db import session_factory
from leadflow.store.match_claims import MatchKeyClaim, claim_match_keys
from leadflow.store.models import Lead
from leadflow.store.rows import chunk_rows, load_rows
from leadflow.store.uow import ATTEMPTS, UnitOfWork
from leadflow.store.writer import write
from tests import factories as f
from tests.conftest import needs_pg


def test_a_second_writer_of_one_person_waits_and_joins_the_first(factory, rules):
    first = f.lead_record(email="Ann.Wu@Example.com", phone=None, contact_name="Ann Wu")
    # Another channel's spelling: the same email, nothing else in common.
    second = f.lead_record(email=" ann.wu@example.com", phone="+1 555 010 9999")
    answers = {}
    with UnitOfWork(factory, actor="one") as one:
        answers["one"] = store_leads(one.session, [(1, first)], "one", rules)

        def other() -> None:
            with UnitOfWork(factory, actor="two") as two:
                answers["two"] = store_leads(two.session, [(1, second)], "two", rules)
                two.commit()

        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(1.0)  # the second writer is at its claim now, waiting for this one
        assert "two" not in answers
        one.commit()
        thread.join(timeout=60)
    assert answers["two"].duplicate_of == {1: answers["one"].lead_ids[0]}
    with UnitOfWork(factory) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Lead)) == 1


def test_the_lead_writer_keeps_the_match_keys_in_step(uow, rules):
    summary = store_leads(uow.session, [(1, f.lead_record())], "test", rules)
    uow.commit()
    lead = uow.session.get(Lead, summary.lead_ids[0])
    assert lead is not None
    write(lead, email="New.Address@Example.ORG", phone="(555) 123-4567")
    write(lead, contact_name="  Bo   Chen ", company_name="Chen Trading GmbH")
    uow.commit()
    assert (lead.email_key, lead.phone_key, lead.company_key) == (
        "new.address@example.org",
        "5551234567",
        "chen trading",
    )
    with chunk_rows(uow.session) as rows:  # a chunk's rows, as intake writes them
        (row,) = load_rows(rows, Lead.id == lead.id)
        write(row, email="third@example.net", customer_type="individual")
        assert (row.email_key, row.company_key) == ("third@example.net", None)
    assert match_keys("x@y.io", None, "Acme", "Bo Chen").tokens() == [
        ("e", "x@y.io"),
        ("c", "acme\x1fbo chen"),
    ]


@needs_pg
@pytest.mark.postgres
def test_a_deadlock_is_run_again_by_the_unit_of_work(pg_migrated):
    factory = session_factory(pg_migrated)
    both = threading.Barrier(2)
    attempts: dict[str, int] = {"ab": 0, "ba": 0}

    def claim_in_order(order: str) -> None:
        with UnitOfWork(factory) as uow:

            def work() -> None:
                attempts[order] += 1
                claim_match_keys(uow.session, [("e", order[0])])
                if attempts[order] == 1:
                    both.wait(timeout=30)  # each holds one key and wants the other's
                claim_match_keys(uow.session, [("e", order[1])])
                uow.commit()

            uow.run(work)

    threads = [threading.Thread(target=claim_in_order, args=(o,)) for o in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # PostgreSQL undid one of the two (deadlock_detected); its unit of work ran it again.
    assert sorted(attempts.values()) == [1, 2]


def test_other_errors_and_the_last_attempt_are_not_run_again(uow):
    runs = []

    def fails() -> None:
        runs.append(1)
        raise OperationalError("SELECT 1", {}, Exception("the server went away"))

    with pytest.raises(OperationalError):
        uow.run(fails)
    assert len(runs) == 1
    with pytest.raises(KeyError):
        uow.run(lambda: runs.append(1) or {}["x"], races=(KeyError,))
    assert len(runs) == 1 + ATTEMPTS


def test_a_batch_claims_more_keys_than_one_statement_holds(uow):
    """A 20,000-lead batch claimed about 200,000 keys in one statement: PostgreSQL refused
    it (a statement holds at most 65,535 parameters). The claims go in slices."""
    tokens = [("email", f"person{n}@example.com") for n in range(40_000)]
    claim_match_keys(uow.session, tokens)
    claim_match_keys(uow.session, tokens[:10])  # claimed again: the rows are kept, not added
    assert uow.session.scalar(select(func.count()).select_from(MatchKeyClaim)) == 40_000
