"""Importing what teams have: the seed register as .xlsx and GBK .csv, a HubSpot export
with a --map file, and hostile files that get one named line each."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from leadflow.errors import InvalidInput
from leadflow.rules.config import ConfigError
from leadflow.sheets.files import open_leads
from leadflow.sheets.imports import dry_run, import_file
from leadflow.sheets.mapping import load_mapping
from leadflow.store.models import Lead
from leadflow.store.outbound_models import QuarantinedRecord
from tests.sheet_files import (
    REGISTER_EXPECTED,
    SEED_REGISTER_EXPECTED,
    hubspot_csv,
    hubspot_map,
    register_gbk_csv,
    register_xlsx,
    seed_register_csv,
    seed_register_xlsx,
)


def _import(uow, path: Path, rules, chunk_rows: int = 1000, **kw):  # type: ignore[no-untyped-def]
    report = import_file(
        uow.session,
        open_leads(path, **kw),
        f"import {path.name}",
        rules,
        chunk_rows=chunk_rows,
        shown=100,
    )
    uow.commit()
    return report


def _leads(uow) -> list[Lead]:  # type: ignore[no-untyped-def]
    return list(uow.session.scalars(select(Lead).order_by(Lead.id)))


def _matches(lead: Lead, expected: dict) -> None:  # type: ignore[type-arg]
    for name, value in expected.items():
        got = getattr(lead, name)
        if isinstance(got, Decimal):
            got = int(got)
        assert got == value, (name, got, value)


def test_the_register_as_xlsx_gives_the_registered_leads(uow, rules, tmp_path):
    """Seed template 1 (线索信息登记表), typed into Excel with its title row and Chinese
    headers: each row becomes a lead with channel, detail, budget range and labels."""
    report = _import(uow, register_xlsx(tmp_path / "register.xlsx"), rules)
    assert (report.accepted, report.rejected) == (2, 0)
    assert report.file["sheet"] == "线索信息登记表" and report.file["title_rows_skipped"] == [1]
    for lead, expected in zip(_leads(uow), REGISTER_EXPECTED, strict=True):
        _matches(lead, expected)


def test_the_same_rows_as_gbk_csv_are_the_same_leads(uow, rules, tmp_path):
    register = _import(uow, register_gbk_csv(tmp_path / "register.csv"), rules)
    assert register.file["encoding"] == "gb18030" and register.accepted == 2
    for lead, expected in zip(_leads(uow), REGISTER_EXPECTED, strict=True):
        _matches(lead, expected)
    again = _import(uow, register_xlsx(tmp_path / "register.xlsx"), rules)
    assert (again.accepted, again.duplicates) == (0, 2)


def test_the_seed_register_imports_as_the_seed_writes_it(uow, rules, tmp_path):
    """Seed 002 template 1 (线索信息表) column for column, as .xlsx and as GB18030 .csv: the
    来源标签 tags the source, 录入人 and 录入时间 are kept, and the budget and time inside
    its need ("采购型号设备,预算50-80万,Q3落地") are read. Rule book §1: "When a lead
    comes in with no budget or no time of its own but its need states one, as the seed
    register's need column often does (采购型号设备,预算50-80万,Q3落地), the budget and time
    are read from the need and also noted to confirm"."""
    for make, name in (
        (seed_register_xlsx, "线索信息表.xlsx"),
        (seed_register_csv, "线索信息表.csv"),
    ):
        plan = open_leads(make(tmp_path / name)).describe()
        assert [c["use"] for c in plan["columns"]] == ["not imported"] + ["field"] * 12
    report = _import(uow, seed_register_xlsx(tmp_path / "线索信息表.xlsx"), rules)
    assert (report.accepted, report.rejected) == (2, 0)
    for lead, expected in zip(_leads(uow), SEED_REGISTER_EXPECTED, strict=True):
        _matches(lead, expected)
    again = _import(uow, seed_register_csv(tmp_path / "线索信息表.csv"), rules)
    assert (again.file["encoding"], again.duplicates) == ("gb18030", 2)


def test_a_hubspot_export_imports_with_a_small_map(uow, rules, tmp_path):
    path = hubspot_csv(tmp_path / "hubspot.csv")
    with pytest.raises(
        InvalidInput,
        # Marketing contact status, a HubSpot default column, is known (not imported).
        match=r"unmapped column\(s\) What are you looking for\?; map them",
    ):
        open_leads(path)
    report = _import(uow, path, rules, mapping=load_mapping(hubspot_map(tmp_path / "hs.yaml")))
    assert (report.accepted, report.rejected) == (2, 1)
    ann, raj = _leads(uow)
    _matches(
        ann,
        {
            "contact_name": "Ann Lee",
            "source": "website_form",
            "source_detail": "google",  # its own detail: the channel word is not added
            "external_id": "5101",
            "employees": 250,
            "annual_revenue": 12000000,
            "need": "Replace our spreadsheet pipeline with a CRM",
        },
    )
    _matches(raj, {"contact_name": "Raj Patel", "source": "online_ads", "phone": None})
    kept = uow.session.get(QuarantinedRecord, report.rejections[0]["quarantine_id"])
    payload = json.loads(kept.payload)  # verbatim, under the export's own headers
    assert payload["First Name"] == "Mia" and payload["Original Source"] == "AI Referrals"
    assert report.rejections[0]["row"] == 4


def test_a_map_file_naming_no_field_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("headers:\n  nee: [Need]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'nee' is not a lead field"):
        load_mapping(bad)
    bad.write_text("values:\n  source:\n    Fax: telefax\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'Fax' -> 'telefax' is not one of"):
        load_mapping(bad)


def test_a_dry_run_stores_nothing_and_names_each_rejection(uow, tmp_path):
    path = hubspot_csv(tmp_path / "hubspot.csv")
    seen: list[dict] = []  # type: ignore[type-arg]
    result = dry_run(
        open_leads(path, mapping=load_mapping(hubspot_map(tmp_path / "m.yaml"))),
        sample_rows=2,
        shown=100,
        on_rejection=seen.append,
    )
    assert (result.rows, result.valid, result.rejected) == (3, 2, 1)
    assert seen == [{"row": 4, "errors": {"(record)": "phone or email: at least one is required"}}]
    assert [r["row"] for r in result.sample] == [2, 3]
    assert _leads(uow) == []


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


HEADER = ["source", "company_name", "contact_name", "email", "need"]


def test_hostile_files_get_one_named_line(tmp_path):
    xlsx = register_xlsx(tmp_path / "register.xlsx")
    renamed = tmp_path / "renamed.csv"
    renamed.write_bytes(xlsx.read_bytes())
    binary = tmp_path / "noise.csv"
    binary.write_bytes(bytes(range(256)) * 40)
    text_as_xlsx = tmp_path / "text.xlsx"
    text_as_xlsx.write_text("source,company_name\n", encoding="utf-8")
    cases = [
        (renamed, "not a CSV file \\(looks like an XLSX workbook"),
        (tmp_path, "is a directory"),
        (binary, "binary data, not text"),
        (text_as_xlsx, "not an XLSX file \\(looks like CSV or other text\\)"),
        (tmp_path / "missing.csv", "no such file"),
    ]
    for path, problem in cases:
        with pytest.raises(InvalidInput, match=problem):
            list(open_leads(path).rows)
    with pytest.raises(InvalidInput, match="no sheet named 'Leads'; its sheets: 线索信息登记表"):
        open_leads(xlsx, sheet="Leads")


def test_utf16_and_a_damaged_row_import_the_rest(uow, rules, tmp_path):
    good = ["website_form", "Ünïcode GmbH", "Zoë", "zoe@u16.example", "crm"]
    report = _import(uow, _write(tmp_path / "u16.csv", [HEADER, good], "utf-16"), rules)
    assert (report.file["encoding"], report.accepted) == ("utf-16", 1)

    path = register_gbk_csv(tmp_path / "damaged.csv")
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = lines[2].replace("杭州".encode("gbk"), b"\x81\x20\xff")
    path.write_bytes(b"\r\n".join(lines))
    report = _import(uow, path, rules)
    assert (report.accepted, report.rejected) == (1, 1)
    rejection = report.rejections[0]
    assert rejection["row"] == 3
    assert rejection["errors"] == {"(record)": "bytes that are not valid gb18030 in 企业名称"}
    kept = json.loads(uow.session.get(QuarantinedRecord, rejection["quarantine_id"]).payload)
    assert kept["联系人"] == "陈晓梅" and "\ufffd" in kept["企业名称"]  # what could be kept


def test_an_oversized_cell_names_row_and_field_and_the_rest_import(uow, rules, tmp_path):
    rows = [
        HEADER,
        ["website_form", "Acme", "Jo", "jo@acme.example", "crm"],
        ["website_form", "Big", "Al", "al@big.example", "x" * 300_000],
        ["website_form", "Cee", "Cy", "cy@cee.example", "erp"],
    ]
    report = _import(uow, _write(tmp_path / "big.csv", rows), rules)
    assert (report.accepted, report.rejected) == (2, 1)
    assert report.rejections[0]["row"] == 3
    assert report.rejections[0]["errors"]["(record)"] == (
        "a cell larger than 100,000 characters (need: 300,000 characters); "
        "the quarantine keeps the first 200 characters of a cut cell"
    )


def test_duplicates_across_chunks_merge_like_within_one(uow, rules, tmp_path):
    same = ["website_form", "Acme", "Jo", "jo@acme.example", "crm"]
    rows = [
        HEADER,
        same,
        ["referral", "Acme", "Jo", "jo@acme.example", "crm"],
        ["website_form", "Cee", "Cy", "cy@cee.example", "erp"],
    ]
    report = _import(uow, _write(tmp_path / "dupes.csv", rows), rules, chunk_rows=1)
    assert (report.accepted, report.duplicates) == (2, 1)
    assert len(_leads(uow)) == 2


def test_a_teams_config_folder_adds_its_own_headers(monkeypatch, tmp_path):
    from leadflow.settings import get_settings

    (tmp_path / "import_mapping.yaml").write_text(
        "headers:\n  need: [客户诉求]\n", encoding="utf-8"
    )
    monkeypatch.setenv("LEADFLOW_CONFIG_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert load_mapping().target("客户诉求") == "need"
    finally:
        get_settings.cache_clear()
