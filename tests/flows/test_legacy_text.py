"""Issue 30 item 2: pipeline-review failed on a company name holding \\x0b (openpyxl's
IllegalCharacterError, whose text carried the name into the logs, the flow state and the
ops alert). A value stored before entries refused control characters is written as its
escape, and the run completes."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select, update

from leadflow.flows.review import pipeline_review
from leadflow.review.period import Period
from leadflow.store.models import Lead
from tests.flows.test_manager_outputs import _attachments, _mail_to
from tests.flows.test_upkeep_flows import NOW, _uow


def test_pipeline_review_completes_with_a_legacy_control_character(
    pipeline_url, mailbox, monkeypatch, tmp_path
):
    """The lead's name is written with the ORM to simulate legacy data only: every entry
    now refuses it."""
    from leadflow.settings import get_settings

    period = Period.containing(NOW, "quarter")
    label = period.label
    with _uow(pipeline_url) as uow:
        lead_id = uow.session.scalar(
            select(Lead.id)
            .where(Lead.created_at >= period.start, Lead.created_at < period.end)
            .where(Lead.duplicate_of_id.is_(None))
            .limit(1)
        )
        uow.session.execute(
            update(Lead).where(Lead.id == lead_id).values(company_name="Secret\x0bCorp")
        )
        uow.commit()
    _mail_to(monkeypatch, mailbox.port)
    try:
        state = pipeline_review(
            period=label, url=pipeline_url, out=str(tmp_path), return_state=True
        )
    finally:
        get_settings.cache_clear()
    assert state.is_completed(), state.message
    book = load_workbook(tmp_path / "reviews" / f"review-{label}.xlsx")
    register = {row[0]: row for row in book["Lead register"].iter_rows(values_only=True)}
    assert "Secret\\x0bCorp" in register[lead_id]
    assert mailbox.received
    for _, mail in mailbox.received:
        for name, data in _attachments(mail).items():
            if name.endswith(".xlsx"):
                load_workbook(io.BytesIO(data))  # each mailed workbook opens
