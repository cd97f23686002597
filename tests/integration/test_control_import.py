"""Issue 30 item 2 at import: a row holding a control character goes to quarantine, kept
verbatim and naming the field (never the value); the other rows import, and a need of
several lines keeps its tab and line breaks."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.store.models import Lead
from leadflow.store.outbound_models import QuarantinedRecord
from tests import factories as f
from tests.integration.test_sheet_import import HEADER, _import, _write


def test_a_control_character_quarantines_its_row_and_the_rest_import(uow, rules, tmp_path):
    rows = [
        HEADER,
        ["website_form", "Acme", "Jo", "jo@acme.example", "erp"],
        ["website_form", "Secret\x0bCorp", "Al", "al@secret.example", "crm"],
        ["website_form", "Cee", "Cy\x1b[2J", "cy@cee.example", "erp"],
        ["website_form", "Dee", "Di", "di@dee.example", "crm\r\nthen\terp"],
    ]
    report = _import(uow, _write(tmp_path / "control.csv", rows), rules)
    assert (report.accepted, report.rejected) == (2, 2)
    second, third = report.rejections
    assert (second["row"], list(second["errors"])) == (3, ["company_name"])
    assert (third["row"], list(third["errors"])) == (4, ["contact_name"])
    assert "U+000B" in second["errors"]["company_name"]
    assert "Secret" not in json.dumps(report.rejections)
    kept = json.loads(uow.session.get(QuarantinedRecord, second["quarantine_id"]).payload)
    assert kept["company_name"] == "Secret\x0bCorp"  # verbatim
    needs = uow.session.scalars(select(Lead.need).order_by(Lead.id)).all()
    assert needs == ["erp", "crm\r\nthen\terp"]


def test_intake_merges_a_legacy_duplicate_holding_a_control_character(uow, rules):
    """A late duplicate whose name an older version stored with \\x0b (written with the ORM
    to simulate legacy data only) is merged by intake, not refused: the entry refuses it,
    a stored lead read back keeps it."""
    summary = store_leads(
        uow.session, [(1, f.lead_record()), (2, f.lead_record())], "legacy", rules
    )
    first, second = summary.lead_ids
    key = uow.session.get_one(Lead, first).email_key
    uow.session.execute(
        update(Lead).where(Lead.id == second).values(email_key=key, company_name="Old\x0bCo")
    )
    uow.commit()
    process_new_leads(uow.session, [first, second], f.wall_clock(), rules)
    uow.commit()
    assert uow.session.get_one(Lead, second).duplicate_of_id == first
