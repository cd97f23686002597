"""Reads are bounded: a CSV cell or row over the limit ends its own row only, a NUL byte is
a problem of its row wherever it is, and an .xlsx is weighed unpacked before it is read."""

from __future__ import annotations

import csv
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadflow.errors import InvalidInput
from leadflow.settings import get_settings
from leadflow.sheets.files import open_leads
from leadflow.sheets.imports import import_file
from leadflow.store.outbound_models import QuarantinedRecord
from tests.bounded_files import HEADER, big_cell_csv, good_row, nul_csv, xlsx_bomb
from tests.sheet_files import register_xlsx


@pytest.fixture
def imports_conf(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings read afresh, so a test's LEADFLOW_IMPORTS__* variables count."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _import(uow, path: Path, rules):  # type: ignore[no-untyped-def]
    report = import_file(
        uow.session, open_leads(path), f"import {path.name}", rules, chunk_rows=1000, shown=100
    )
    uow.commit()
    return report


def _kept(uow, rejection: dict) -> dict:  # type: ignore[type-arg]
    return json.loads(uow.session.get(QuarantinedRecord, rejection["quarantine_id"]).payload)


def test_a_multi_line_cell_over_the_limit_ends_its_own_row_only(uow, rules, tmp_path):
    """A quoted cell of 150,000 characters over 6,000 lines, with commas and quotes in it:
    one quarantined row naming the column, and every good row after it imported."""
    path = big_cell_csv(tmp_path / "big.csv", 150_000, before=2, after=3)
    report = _import(uow, path, rules)
    assert (report.accepted, report.rejected) == (5, 1)
    [rejection] = report.rejections
    lines = path.read_text(encoding="utf-8").count("\n")
    assert rejection["row"] == lines - 3  # numbered by its last line, as every CSV row is
    problem = rejection["errors"]["(record)"]
    assert problem.startswith("a cell larger than 100,000 characters (need: 150,000 characters")
    assert "the quarantine keeps the first 200 characters of a cut cell" in problem
    kept = _kept(uow, rejection)
    assert kept["company_name"] == "Big" and kept["email"] == "al@big.example"
    assert kept["need"].startswith('a "quoted" word, a comma\na "quoted"')
    assert kept["need"].endswith("... [cut: 150,000 characters]") and len(kept["need"]) < 300


def test_a_row_over_the_row_limit_is_cut_and_the_next_rows_read(
    uow, rules, tmp_path, monkeypatch, imports_conf
):
    """imports.max_row_chars bounds a row of many cells each under the cell limit."""
    monkeypatch.setenv("LEADFLOW_IMPORTS__MAX_ROW_CHARS", "20000")
    path = tmp_path / "wide.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerow(good_row(0))
        writer.writerow([*good_row(1)[:4], "\n".join(["y" * 9000] * 4)])
        writer.writerow([*good_row(2), *(["z" * 9000] * 3)])  # one long line
        writer.writerow(good_row(3))
    report = _import(uow, path, rules)
    assert (report.accepted, report.rejected) == (2, 2)
    assert [r["row"] for r in report.rejections] == [6, 7]
    for rejection in report.rejections:
        assert "a row larger than 20,000 characters" in rejection["errors"]["(record)"]
    assert _kept(uow, report.rejections[0])["need"].endswith("[cut: 36,003 characters]")


def test_a_nul_byte_quarantines_its_row_wherever_it_is(uow, rules, tmp_path):
    """The same row is quarantined alone in the first bytes read and far past them."""
    path = nul_csv(tmp_path / "nul.csv", padding_rows=6_000)
    assert path.stat().st_size > get_settings().imports.sample_bytes
    report = _import(uow, path, rules)
    assert (report.accepted, report.rejected) == (6_002, 2)
    assert [r["row"] for r in report.rejections] == [3, 6_004]
    for rejection in report.rejections:
        assert rejection["errors"] == {
            "(record)": "a NUL character (\\x00), which text does not hold, in need"
        }
    assert _kept(uow, report.rejections[0])["need"] == "c\x00rm"


def test_binary_files_are_still_refused_by_what_they_are(tmp_path):
    """A PNG renamed .csv names its format; NUL-heavy bytes are binary, while UTF-16
    without a byte order mark (half NULs) is read as UTF-16."""
    png = tmp_path / "photo.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4000))
    nuls = tmp_path / "data.csv"
    nuls.write_bytes((b"SQLite format 3\x00" + b"\x00" * 100 + b"\x01\x02") * 50)
    cases = [
        (png, "not a CSV file \\(looks like a PNG image\\)"),
        (nuls, "binary data, not text \\(5,050 NUL bytes in its first 5,900 bytes\\)"),
    ]
    for path, problem in cases:
        with pytest.raises(InvalidInput, match=problem):
            list(open_leads(path).rows)
    utf16 = tmp_path / "u16.csv"
    text = "\n".join(",".join(r) for r in [HEADER, good_row(0), good_row(1)]) + "\n"
    utf16.write_bytes(text.encode("utf-16-le"))
    lead_file = open_leads(utf16)
    assert lead_file.encoding == "utf_16_le" and len(list(lead_file.rows)) == 2


def test_an_xlsx_bomb_is_refused_unread_naming_the_part(tmp_path):
    bomb = xlsx_bomb(tmp_path / "bomb.xlsx", 64 << 20)
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(InvalidInput) as refused:
        open_leads(bomb)
    message = str(refused.value)
    assert message.startswith(f"{bomb}: refused unread: its part xl/worksheets/sheet1.xml")
    assert "unpacks to 67,109," in message
    assert message.endswith("more than the 100 times allowed (imports.max_xlsx_ratio)")


def test_an_xlsx_over_the_unpacked_size_is_refused(tmp_path, monkeypatch, imports_conf):
    monkeypatch.setenv("LEADFLOW_IMPORTS__MAX_XLSX_BYTES", "1000000")
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(register_xlsx(tmp_path / "r.xlsx")) as book:
        parts = {p.filename: book.read(p.filename) for p in book.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
        out.writestr("docProps/padding.bin", os.urandom(1_000_000))  # does not deflate
    with pytest.raises(InvalidInput, match="more than the 1,000,000 allowed"):
        open_leads(path)
    monkeypatch.delenv("LEADFLOW_IMPORTS__MAX_XLSX_BYTES")
    get_settings.cache_clear()
    assert len(list(open_leads(path).rows)) == 2  # within the default it reads
