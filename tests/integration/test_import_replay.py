"""Replays are idempotent (issue 30 item 7): importing a file again adds no touch and
sends no notice for the rows it stored, whether its rows carry an external id or not."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from sqlalchemy import func, select

from leadflow.sheets.files import open_leads
from leadflow.sheets.imports import ImportReport, import_file
from leadflow.store.deal_models import Touch
from leadflow.store.models import Lead
from leadflow.store.outbound_models import ImportRowKey, OutboxMessage, QuarantinedRecord
from leadflow.store.uow import UnitOfWork
from tests import factories as f

HEADER = ["source", "company_name", "contact_name", "email", "need", "external_id"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def _import(factory, path: Path, rules) -> ImportReport:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor="test") as uow:
        report = import_file(
            uow.session, open_leads(path), f"import {path.name}", rules, chunk_rows=2, shown=100
        )
        uow.commit()
    return report


def _counts(factory) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory) as uow:
        count = uow.session.scalar
        return {
            "leads": count(select(func.count()).select_from(Lead)) or 0,
            "touches": count(select(func.count()).select_from(Touch)) or 0,
            "notices": count(select(func.count()).where(OutboxMessage.kind == "inquiry")) or 0,
            "outbox": count(select(func.count()).select_from(OutboxMessage)) or 0,
            "quarantine": count(select(func.count()).select_from(QuarantinedRecord)) or 0,
        }


def _people(factory, rules, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` leads taken in and assigned to a rep; their emails."""
    with UnitOfWork(factory, actor="setup") as uow:
        team = f.team(uow.session)
        f.rep(uow.session, team.id)
        records = [f.lead_record() for _ in range(count)]
        for record in records:
            f.taken_in(uow.session, rules, f.NOW, **record)
        uow.commit()
    return [r["email"] for r in records]


def test_a_file_imported_again_adds_no_touch_and_no_notice(factory, rules, tmp_path):
    """Rows without an external id (three repeats of assigned leads, one of them twice,
    two new people, one rejected row) and rows with one: the second import of the same
    bytes, renamed, stores nothing and tells nobody."""
    known = _people(factory, rules, 3)
    rows = [
        ["referral", "Known", "K", known[0], "a second line", ""],
        ["website_form", "New One", "N", "n1@new.example", "crm", ""],
        ["referral", "Known", "K", known[1], "more seats", ""],
        ["website_form", "Broken", "B", "", "no way to reach them", ""],  # rejected
        ["referral", "Known", "K", known[0], "a second line", ""],  # the same row again
        ["website_form", "New Two", "T", "n2@new.example", "erp", "CRM-7"],
        ["trade_show", "Known", "K", known[2], "met at the fair", "CRM-8"],
    ]
    path = _write(tmp_path / "register.csv", rows)
    before = _counts(factory)
    first = _import(factory, path, rules)
    assert (first.accepted, first.duplicates, first.rejected, first.replayed) == (2, 4, 1, 0)
    after = _counts(factory)
    assert after["leads"] == before["leads"] + 2
    assert after["touches"] == before["touches"] + 4  # each repeat of an assigned lead
    assert after["notices"] == before["notices"] + 4  # and its owner told once for each

    renamed = tmp_path / "copy of register.csv"
    shutil.copyfile(path, renamed)
    for number, again in enumerate((path, renamed), start=1):
        report = _import(factory, again, rules)
        assert (report.accepted, report.duplicates, report.replayed) == (0, 0, 6)
        assert report.rejected == 1  # quarantined again: a rule or mapping may let it in
        assert _counts(factory) == after | {"quarantine": after["quarantine"] + number}
    with UnitOfWork(factory) as uow:
        assert uow.session.scalar(select(func.count()).select_from(ImportRowKey)) == 6


def test_a_row_alike_in_another_file_is_a_new_inquiry(factory, rules, tmp_path):
    """Another file is other bytes: a row there that reads like a stored one, with no
    external id to say it is the same record, is a new inquiry (a touch and a notice);
    a row with a stored external id is the same record, in any file."""
    known = _people(factory, rules, 1)
    row = ["referral", "Known", "K", known[0], "a second line", ""]
    _import(factory, _write(tmp_path / "monday.csv", [row]), rules)
    same_id = ["website_form", "New", "N", "n@new.example", "crm", "CRM-9"]
    _import(factory, _write(tmp_path / "ids.csv", [same_id]), rules)
    before = _counts(factory)
    grown = _write(tmp_path / "tuesday.csv", [row, same_id])
    report = _import(factory, grown, rules)
    assert (report.duplicates, report.replayed) == (1, 1)
    after = _counts(factory)
    assert (after["touches"], after["notices"]) == (before["touches"] + 1, before["notices"] + 1)
    assert after["leads"] == before["leads"]
