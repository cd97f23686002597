"""`leads export` and back: the register imported into an empty database gives the same
leads; budgets are masked for a rep; formula-like text never runs and keeps its text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from leadflow.errors import InvalidInput
from leadflow.intake.receive import store_leads
from leadflow.schemas import LEAD_FIELDS
from leadflow.sheets.export import COLUMNS, ExportFilter, export_leads
from leadflow.sheets.files import open_leads
from leadflow.sheets.imports import import_file
from leadflow.store.db import session_factory
from leadflow.store.migrate import upgrade
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork
from tests import factories as f

RECORDS = [
    f.lead_record(
        company_name='=HYPERLINK("http://evil.example","click")',
        contact_name="@Jo",
        phone="+1 415 555 0101",
        need="-crm, then +erp",
        tags=["+vip", "price sensitive"],
        budget_min=1200.5,
        budget_max=250000,
        annual_revenue=1234.56,
        employees=40,
        source_detail="展会-2023年工博会",
        decision_chain_notes="CFO signs",
        internal_notes="keep warm",
        external_id="crm-1",
        contact_title="采购经理",
    ),
    f.lead_record(
        company_name="苏州恒信精密机械有限公司",
        contact_name="王建国",
        source="trade_show",
        tags=[],
        budget_max=None,
        timeline=None,
    ),
]


def _fields(lead: Lead) -> dict[str, object]:
    values = {name: getattr(lead, name) for name in LEAD_FIELDS if hasattr(lead, name)}
    return {
        k: (Decimal(v) if isinstance(v, int | float | Decimal) and k != "employees" else v)
        for k, v in values.items()
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_database_gives_the_same_leads(uow, rules, tmp_path, fmt):
    store_leads(uow.session, list(enumerate(RECORDS, start=1)), "test", rules)
    uow.commit()
    path = tmp_path / f"leads.{fmt}"
    assert export_leads(uow.session, path, fmt, ExportFilter()) == 2
    before = [_fields(lead) for lead in uow.session.scalars(select(Lead).order_by(Lead.id))]
    assert (
        before[0]["tags"] == ["+vip", "price sensitive"]
        and before[0]["budget_min"] == Decimal("1200.5")
        and before[0]["internal_notes"] == "keep warm"
    )

    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(empty)
    with UnitOfWork(session_factory(empty), actor="test") as other:
        report = import_file(
            other.session, open_leads(path), path.name, rules, chunk_rows=1000, shown=10
        )
        other.commit()
        assert (report.accepted, report.rejected) == (2, 0), report.rejections
        after = [_fields(lead) for lead in other.session.scalars(select(Lead).order_by(Lead.id))]
    assert after == before


def test_the_workbook_keeps_formula_like_text_as_text(uow, rules, tmp_path):
    store_leads(uow.session, [(1, RECORDS[0])], "test", rules)
    uow.commit()
    path = tmp_path / "leads.xlsx"
    export_leads(uow.session, path, "xlsx", ExportFilter())
    sheet = load_workbook(path).active
    cell = sheet.cell(row=2, column=COLUMNS.index("company_name") + 1)
    assert cell.value == RECORDS[0]["company_name"]  # the text unchanged, no apostrophe
    assert cell.data_type == "s" and cell.quotePrefix  # a text cell: never run as a formula
    csv_path = tmp_path / "leads.csv"
    export_leads(uow.session, csv_path, "csv", ExportFilter())
    assert "'=HYPERLINK" in csv_path.read_text(encoding="utf-8-sig")


def test_a_reps_export_is_their_own_leads_whole_and_a_systems_is_masked(uow, rules, tmp_path):
    """Spec §1: "Sensitive fields (budget, decision-chain notes, internal notes) are visible
    only to the lead's owner, their manager and directors"."""
    team = f.team(uow.session)
    ann = f.rep(uow.session, team.id)
    summary = store_leads(uow.session, list(enumerate(RECORDS, start=1)), "test", rules)
    uow.session.get(Lead, summary.lead_ids[0]).owner_id = ann.id
    uow.commit()
    with pytest.raises(InvalidInput, match="a rep's export needs --owner"):
        export_leads(uow.session, tmp_path / "x.csv", "csv", ExportFilter(role="rep"))
    path = tmp_path / "ann.xlsx"
    assert export_leads(uow.session, path, "xlsx", ExportFilter("rep", owner=ann.id)) == 1
    row = dict(
        zip(
            COLUMNS,
            next(load_workbook(path).active.iter_rows(min_row=2, values_only=True)),
            strict=True,
        )
    )
    assert row["budget_max"] not in (None, "(restricted)")  # the owner sees their own budgets
    assert row["company_name"] == RECORDS[0]["company_name"]
    path = tmp_path / "system.xlsx"
    assert export_leads(uow.session, path, "xlsx", ExportFilter("system")) == len(RECORDS)
    row = dict(
        zip(
            COLUMNS,
            next(load_workbook(path).active.iter_rows(min_row=2, values_only=True)),
            strict=True,
        )
    )
    for name in ("budget_min", "budget_max", "decision_chain_notes", "internal_notes"):
        assert row[name] == "(restricted)"
