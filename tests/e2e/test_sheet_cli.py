"""`leadflow leads import` and `export` as a user runs them, on the files teams have."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.e2e.cli_harness import run, run_json
from tests.sheet_files import hubspot_csv, hubspot_map, register_gbk_csv, register_xlsx


def test_the_register_as_xlsx_and_gbk_csv_and_a_hubspot_export(env, tmp_path):
    out = run_json(["leads", "import", str(register_xlsx(tmp_path / "登记表.xlsx"))], env)
    assert (out["import"]["accepted"], out["import"]["rejected"]) == (2, 0)
    out = run_json(["leads", "import", str(register_gbk_csv(tmp_path / "登记表.csv"))], env)
    assert (out["import"]["duplicates"], out["import"]["file"]["encoding"]) == (2, "gb18030")

    export = hubspot_csv(tmp_path / "hubspot.csv")
    refused = run(["leads", "import", str(export)], env, ok=False).stderr
    assert refused.strip().splitlines() == [
        f"error: {export}: unmapped column(s) What are you looking for?; map them with "
        "--map FILE, or pass --ignore-unknown to leave them out"
    ]
    out = run_json(
        ["leads", "import", str(export), "--map", str(hubspot_map(tmp_path / "hubspot.yaml"))], env
    )
    assert (out["import"]["accepted"], out["import"]["rejected"]) == (2, 1)
    names = {lead["company"] for lead in run_json(["leads", "list"], env)}
    assert names == {
        "苏州恒信精密机械有限公司",
        "杭州云启物流有限公司",
        "Northwind Traders",
        "Contoso",
    }


def test_a_dry_run_prints_mapping_rows_and_rejections_and_stores_nothing(env, tmp_path):
    export = hubspot_csv(tmp_path / "hubspot.csv")
    text = run(
        [
            "leads",
            "import",
            str(export),
            "--dry-run",
            "--map",
            str(hubspot_map(tmp_path / "m.yaml")),
        ],
        env,
    ).stdout
    assert "  First Name -> contact_name (part of contact_name)" in text
    assert "  Create Date -> - (not imported)" in text
    assert "  row 4: (record): phone or email: at least one is required" in text
    assert '"contact_name": "Ann Lee"' in text
    assert text.rstrip().endswith("3 row(s), 2 valid, 1 rejected; nothing was stored")
    assert run_json(["leads", "list"], env) == []


@pytest.mark.slow  # writes and reads a 50 MB file
def test_hostile_files_get_one_line_and_unreadable_rows_are_quarantined(env, tmp_path):
    renamed = tmp_path / "leads.csv"
    renamed.write_bytes(register_xlsx(tmp_path / "r.xlsx").read_bytes())
    for path, problem in [
        (renamed, "not a CSV file (looks like an XLSX workbook"),
        (tmp_path, "is a directory"),
    ]:
        err = run(["leads", "import", str(path)], env, ok=False).stderr.strip()
        assert len(err.splitlines()) == 1 and problem in err
    big = tmp_path / "big.csv"
    with big.open("w", newline="") as handle:  # one 50 MB field among good rows
        writer = csv.writer(handle)
        writer.writerow(["source", "company_name", "contact_name", "email", "need"])
        writer.writerow(["website_form", "Acme", "Jo", "jo@acme.example", "crm"])
        writer.writerow(["website_form", "Big", "Al", "al@big.example", "x" * 50_000_000])
        writer.writerow(["website_form", "Cee", "Cy", "cy@cee.example", "erp"])
    out = run_json(["leads", "import", str(big), "--no-process"], env)
    assert (out["import"]["accepted"], out["import"]["rejected"]) == (2, 1)
    rejection = out["import"]["rejections"][0]
    assert rejection["row"] == 3
    assert "need: 50,000,000 characters" in rejection["errors"]["(record)"]


def test_export_then_import_into_an_empty_database(env, tmp_path):
    run(["leads", "import", str(register_xlsx(tmp_path / "r.xlsx")), "--no-process"], env)
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"leads.{fmt}"
        assert run_json(["leads", "export", "--format", fmt, "--out", str(path)], env)["leads"] == 2
        fresh = {**env, "LEADFLOW_DATABASE_URL": f"sqlite:///{tmp_path / f'{fmt}.db'}"}
        out = run_json(["leads", "import", str(path), "--no-process"], fresh)
        assert (out["import"]["accepted"], out["import"]["rejected"]) == (2, 0)
    err = run(["leads", "export", "--role", "rep"], env, ok=False).stderr
    assert not Path("leads.csv").exists()  # a refused export writes no file
    assert "a rep's export needs --owner" in err
