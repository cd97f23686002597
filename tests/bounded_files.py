"""Files that are hostile by size: a CSV with one huge multi-line cell among good rows, a
CSV with NUL bytes in some rows, and an .xlsx that unpacks to far more than it weighs."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from tests.sheet_files import register_xlsx

HEADER = ["source", "company_name", "contact_name", "email", "need"]


def good_row(i: int) -> list[str]:
    """A lead that imports."""
    return ["website_form", f"Company {i}", f"Person {i}", f"p{i}@c{i}.example", "crm"]


def big_cell_csv(path: Path, cell_chars: int, before: int = 2, after: int = 3) -> Path:
    """Good rows, then a row whose `need` is a quoted cell of `cell_chars` characters over
    many lines (with commas and doubled quotes in it), then more good rows."""
    line = 'a "quoted" word, a comma\n'
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(good_row(i) for i in range(before))
        handle.write('website_form,Big,Al,al@big.example,"')
        written = 0
        while written < cell_chars:  # written in lines, never held whole
            handle.write(line.replace('"', '""'))
            written += len(line)
        handle.write('"\n')
        writer.writerows(good_row(i) for i in range(before, before + after))
    return path


def nul_csv(path: Path, padding_rows: int) -> Path:
    """A good row, a row with a NUL byte in `need`, `padding_rows` good rows (pushing what
    follows past the first bytes read to detect the encoding), and a row with a NUL again."""
    rows = [HEADER, good_row(0), [*good_row(1)[:4], "c\x00rm"]]
    rows += [good_row(i) for i in range(2, 2 + padding_rows)]
    rows += [[*good_row(9_999_999)[:4], "erp\x00"], good_row(10_000_000)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def xlsx_bomb(path: Path, sheet_bytes: int) -> Path:
    """The register workbook with its sheet replaced by one of about `sheet_bytes` bytes of
    XML: one row whose cell holds 'x' repeated, which deflates a thousandfold."""
    source = register_xlsx(path.with_name("register-source.xlsx"))
    with zipfile.ZipFile(source) as book, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for part in book.infolist():
            if part.filename != "xl/worksheets/sheet1.xml":
                out.writestr(part, book.read(part.filename))
                continue
            with out.open(part.filename, "w") as sheet:
                sheet.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
                )
                chunk = b"x" * (1 << 20)
                for _ in range(sheet_bytes >> 20):
                    sheet.write(chunk)
                sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    return path
