"""The pipeline-review and delivery-handoff flows deliver files to a real SMTP server:
each mail carries its reader's documents, read back from the mailbox."""

from __future__ import annotations

import io
import json
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select, update

from leadflow.flows.handoff import delivery_handoff
from leadflow.flows.intake import lead_intake
from leadflow.flows.review import pipeline_review
from leadflow.review.period import Period
from leadflow.store.models import Lead, Team
from leadflow.store.outbound_models import OutboxMessage
from tests.flows.conftest import artifacts
from tests.flows.test_upkeep_flows import NOW, _uow, _win


def _attachments(message) -> dict[str, bytes]:
    return {
        part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()
    }


def _mail_to(monkeypatch, port: int, **env: str) -> None:
    from leadflow.settings import get_settings

    monkeypatch.setenv("LEADFLOW_MAIL_URL", f"mailto://127.0.0.1:{port}")
    for name, value in env.items():
        monkeypatch.setenv(f"LEADFLOW_{name}", value)
    get_settings.cache_clear()


def test_review_is_written_four_ways_and_mailed_with_html_and_xlsx(
    pipeline_url, mailbox, monkeypatch, tmp_path
):
    from leadflow.settings import get_settings

    label = Period.containing(NOW, "quarter").label
    _mail_to(monkeypatch, mailbox.port, DIRECTOR_RECIPIENTS='["dana@example.com"]')
    try:
        review = pipeline_review(period=label, url=pipeline_url, out=str(tmp_path))
    finally:
        get_settings.cache_clear()
    folder = tmp_path / "reviews"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"review-{label}.{fmt}" for fmt in ("html", "json", "md", "xlsx")
    ]
    assert (
        json.loads((folder / f"review-{label}.json").read_text())["total_leads"]
        == review.total_leads
    )
    with _uow(pipeline_url) as uow:
        cohort = uow.session.scalar(
            select(func.count()).where(
                Lead.created_at >= review.start,
                Lead.created_at < review.end,
                Lead.duplicate_of_id.is_(None),
            )
        )
        managers = set(uow.session.scalars(select(Team.manager_email)))
    assert cohort == review.total_leads > 1000
    for who in [*managers, "dana@example.com"]:
        (mail,) = mailbox.to(who)
        assert mail["Subject"] == f"Pipeline review {label}"
        files = _attachments(mail)
        assert set(files) == {f"review-{label}.html", f"review-{label}.xlsx"}
        assert files[f"review-{label}.html"] == (folder / f"review-{label}.html").read_bytes()
        book = load_workbook(io.BytesIO(files[f"review-{label}.xlsx"]))
        assert book["Lead register"].max_row == cohort + 1
        assert book["Lead register"]["Q1"].value == "Budget min"
        assert book["Lead register"]["Q2"].value != "(restricted)"  # managers see budgets
        assert f"# Pipeline review {label}" in mail.get_body(("plain",)).get_content()
    assert artifacts(f"pipeline-review-{label.lower()}")
    assert artifacts(f"pipeline-review-{label.lower()}-reps")


def test_handoff_mails_carry_the_html_of_their_readers_role(
    pipeline_url, mailbox, monkeypatch, tmp_path
):
    from leadflow.settings import get_settings

    lead_intake(url=pipeline_url)
    with _uow(pipeline_url) as uow:
        # The newest such lead: other tests in this Prefect session take the first one and
        # count the artifacts under its key.
        lead_id = uow.session.scalar(
            select(Lead.id)
            .where(Lead.state == "nurturing", Lead.team_id.is_not(None))
            .order_by(Lead.id.desc())
        )
        uow.session.execute(update(OutboxMessage).values(sent_at=NOW))  # intake's mail
        manager = uow.session.scalar(
            select(Team.manager_email).join(Lead, Lead.team_id == Team.id).where(Lead.id == lead_id)
        )
        uow.commit()
    _win(pipeline_url, lead_id)
    _mail_to(monkeypatch, mailbox.port, DELIVERY_RECIPIENTS='["delivery@example.com"]')
    try:
        assert delivery_handoff(url=pipeline_url, out=str(tmp_path)) == [lead_id]
    finally:
        get_settings.cache_clear()
    folder = tmp_path / "handoffs"
    assert {p.name for p in folder.iterdir()} == {
        f"lead-{lead_id}.md",
        f"lead-{lead_id}.html",
        f"lead-{lead_id}-delivery.html",
    }
    (to_manager,) = mailbox.to(manager)
    (to_delivery,) = mailbox.to("delivery@example.com")
    full = _attachments(to_manager)
    restricted = _attachments(to_delivery)
    assert set(full) == {f"lead-{lead_id}.html"}
    assert set(restricted) == {f"lead-{lead_id}-delivery.html"}
    assert b"CFO signs above 200k" in full[f"lead-{lead_id}.html"]
    assert b"CFO signs" not in restricted[f"lead-{lead_id}-delivery.html"]
    assert b"(restricted)" in restricted[f"lead-{lead_id}-delivery.html"]
    assert "CFO signs" in to_manager.get_body(("plain",)).get_content()
    assert "CFO signs" not in to_delivery.get_body(("plain",)).get_content()
    assert Path(folder / f"lead-{lead_id}.md").read_text().startswith("# Handoff: ")
