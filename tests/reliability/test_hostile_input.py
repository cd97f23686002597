"""Hostile input to import: wrong types, huge strings, unicode, control characters, SQL and
formula injection, missing fields, duplicate keys. No crash; every record is either stored
literally or rejected with its fields named and kept verbatim in quarantine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from leadflow.intake.receive import store_leads
from leadflow.schemas import LEAD_FIELDS
from leadflow.settings import get_rules
from leadflow.store.models import Lead
from leadflow.store.outbound_models import QuarantinedRecord

pytestmark = pytest.mark.reliability

NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=400),
    st.sampled_from(
        [
            "'; DROP TABLE leads; --",
            '=HYPERLINK("http://x")',
            "+1",
            "-2",
            "@SUM(A1)",
            "\x00\x01\x1b[31m",
            "Ω≈ç√∫",
            "🙂" * 50,
            "a" * 6000,
            " ",
            "",
        ]
    ),
)
VALUE = st.one_of(
    NASTY_TEXT,
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
# Unicode White_Space, what pydantic strips (Python's str.strip also takes \x1c-\x1f).
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
FIELD = st.sampled_from([*LEAD_FIELDS, "unknown_field", "", "__class__"])
GOOD = {
    "source": "website_form",
    "company_name": "Acme",
    "contact_name": "Jo",
    "email": "jo@acme.example",
    "need": "crm",
}
RECORD = st.one_of(
    st.dictionaries(FIELD, VALUE, max_size=8),
    st.builds(lambda extra: {**GOOD, **extra}, st.dictionaries(FIELD, VALUE, max_size=3)),
    VALUE,
)


@settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)  # one database for all examples: the assertions are per batch
@given(batch=st.lists(RECORD, min_size=1, max_size=25))
def test_any_batch_is_stored_literally_or_quarantined(sqlite_url, batch: list[Any]):
    from leadflow.store.db import session_factory
    from leadflow.store.uow import UnitOfWork

    with UnitOfWork(session_factory(sqlite_url), actor="fuzz") as uow:
        before_q = uow.session.scalar(select(func.count()).select_from(QuarantinedRecord))
        summary = store_leads(uow.session, list(enumerate(batch, 1)), "fuzz", get_rules())
        uow.commit()
        assert summary.accepted + summary.duplicates + summary.rejected == len(batch)
        kept = uow.session.scalar(select(func.count()).select_from(QuarantinedRecord))
        assert kept - before_q == summary.rejected
        for rejection in summary.rejections:
            assert rejection["errors"], "a rejection names its fields"
            row = uow.session.get(QuarantinedRecord, rejection["quarantine_id"])
            original = batch[rejection["row"] - 1]
            stored = row.payload if isinstance(original, str) else json.loads(row.payload)
            if isinstance(original, str):
                assert stored == original
            elif isinstance(original, dict) and all(isinstance(k, str) for k in original):
                assert set(stored) == set(original)
        for lead_id, row_no in zip(summary.lead_ids, _accepted_rows(summary, batch), strict=False):
            lead = uow.session.get(Lead, lead_id)
            sent = batch[row_no - 1]
            assert lead.company_name == str(sent["company_name"]).strip(WHITE_SPACE)
            assert lead.need == str(sent["need"]).strip(WHITE_SPACE)


def _accepted_rows(summary: Any, batch: list[Any]) -> list[int]:
    rejected = {r["row"] for r in summary.rejections} | set(summary.duplicate_of)
    return [n for n in range(1, len(batch) + 1) if n not in rejected]
