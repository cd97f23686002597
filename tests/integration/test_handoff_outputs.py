"""Handoff packages as HTML and Markdown, and their mail, masked by the reader's role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from leadflow.handoff.package import produce_handoffs
from leadflow.handoff.render import package_html, package_markdown
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.contract import ContractIn
from leadflow.lifecycle.objections import add_objection, answer_objection
from leadflow.lifecycle.update import update_lead
from leadflow.settings import Settings
from leadflow.store.models import TransitionAudit
from leadflow.store.outbound_models import Handoff, OutboxMessage
from tests import factories as f
from tests.integration.test_review import A_DEAL, Pipeline, at

SECRETS = ("CFO signs above 200k", "reseller margin 12%", "1,500,000", "310,000")
COMPANY = "Acme <script>alert(1)</script> & Sons"


@pytest.fixture
def won(uow, rules) -> int:
    """A deal won with contract terms, a promise, an objection and confidential notes."""
    s = uow.session
    team = f.team(s, manager_email="mia@example.com")
    ann = f.rep(s, team.id, name="Ann")
    p = Pipeline(uow, rules)
    lead = p.lead(
        at(7, 1),
        ann.id,
        company_name=COMPANY,
        contact_title="COO",
        budget_min=90_000,
        budget_max=310_000,
    )
    p.contact(lead, at(7, 2))
    svc.log_activity(
        s,
        lead.id,
        channel="meeting",
        key_points="scoping",
        now=at(7, 9),
        feedback="month-end close takes 9 days",
        rules=rules,
    )
    update_lead(
        s,
        lead.id,
        {"decision_chain_notes": SECRETS[0], "internal_notes": SECRETS[1]},
        now=at(7, 9),
        rules=rules,
    )
    p.opportunity(lead, at(7, 10), A_DEAL)
    p.negotiate(lead, at(7, 11))
    objection = add_objection(s, lead.id, kind="price", detail="too expensive", now=at(7, 12))
    answer_objection(s, lead.id, objection.id, response="phased payment", by="ann", now=at(7, 13))
    f.sign(
        s,
        lead.id,
        ContractIn(
            value=Decimal(240_000),
            payment_terms="30% upfront, 70% on delivery",
            delivery_date=dt.date(2026, 10, 1),
            promises=["ERP rollout", "training for 2 teams", "12 months support"],
        ),
        by="ann",
        now=at(7, 20),
        rules=rules,
        reason="signed",
    )
    uow.commit()
    return lead.id


def _settings() -> Settings:
    return Settings(
        delivery_recipients=["delivery@example.com"],
        delivery_owner="Dee Delivery",
        director_recipients=["dana@example.com"],
    )


class Text(HTMLParser):
    """The visible text of a page, and the ids of its tables and their row counts."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.rows: dict[str, int] = {}
        self._table = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.rows[self._table] = 0
        elif tag == "tr":
            self.rows[self._table] += 1
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)


def _read(html: str) -> Text:
    page = Text()
    page.feed(html)
    return page


def test_documents_per_role_and_mail_per_recipient(uow, rules, won, tmp_path):
    s = uow.session
    result = produce_handoffs(s, [won], at(7, 20), rules, _settings(), tmp_path)
    assert result.produced == [won]
    assert set(result.documents) == {
        f"lead-{won}.md",
        f"lead-{won}.html",
        f"lead-{won}-delivery.html",
    }
    full, delivery = (
        result.documents[f"lead-{won}.html"],
        result.documents[f"lead-{won}-delivery.html"],
    )
    for secret in SECRETS:
        assert secret in full, secret
        assert secret not in delivery, secret
    assert "(restricted)" in delivery and "(restricted)" not in full
    assert "<script>alert" not in full
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons" in full
    page = _read(full)
    text = " ".join(page.text)
    for expected in (
        "240,000",
        "30% upfront, 70% on delivery",
        "Oct 1, 2026",
        "Dee Delivery",
        "ERP rollout",
        "training for 2 teams; 12 months support",
        "month-end close takes 9 days",
        "too expensive",
        "phased payment",
        "COO",
        "decision maker",
    ):
        assert expected in text, expected
    transitions = len(
        s.scalars(select(TransitionAudit).where(TransitionAudit.lead_id == won)).all()
    )
    assert page.rows["timeline"] == 1 + transitions + 2  # header, transitions, 2 contacts
    assert page.rows["objections"] == 2 and page.rows["contacts"] == 2

    mails = {
        m.recipient: m
        for m in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "handoff"))
    }
    assert set(mails) == {"mia@example.com", "dana@example.com", "delivery@example.com"}
    for who in ("mia@example.com", "dana@example.com"):
        assert SECRETS[0] in mails[who].body
        assert mails[who].attachments == [str(tmp_path / f"lead-{won}.html")]
    assert mails["delivery@example.com"].attachments == [
        str(tmp_path / f"lead-{won}-delivery.html")
    ]
    assert not any(secret in mails["delivery@example.com"].body for secret in SECRETS)
    stored = s.scalar(select(Handoff).where(Handoff.lead_id == won))
    assert stored.markdown == result.documents[f"lead-{won}.md"]


@pytest.mark.parametrize(
    "audience, sees", [("manager", True), ("director", True), ("delivery", False)]
)
def test_each_format_masks_for_its_audience(uow, rules, won, audience, sees):
    produce_handoffs(uow.session, [won], at(7, 20), rules, _settings())
    stored = uow.session.scalar(select(Handoff).where(Handoff.lead_id == won))
    due = stored.review_due
    for text in (
        package_markdown(stored.package, due, audience),
        package_html(stored.package, due, audience),
    ):
        assert all((secret in text) is sees for secret in SECRETS), audience
        assert "240,000" in text and "phased payment" in text  # the deal itself is shared


def test_markdown_tables_survive_pipes_and_newlines(uow, rules, won):
    produce_handoffs(uow.session, [won], at(7, 20), rules, _settings())
    stored = uow.session.scalar(select(Handoff).where(Handoff.lead_id == won))
    package = {
        **stored.package,
        "objections": [{"kind": "terms", "detail": "a | b\nc", "response": None, "answered": None}],
    }
    text = package_markdown(package, stored.review_due)
    assert "| terms | a \\| b c | open | - |" in text
