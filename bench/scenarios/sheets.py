"""Importing a sheet: the same leads as .xlsx and as .csv (under the seed register's
Chinese headers), read, mapped and stored through `leadflow leads import`'s service."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from bench import data
from bench.core import Config, Result
from bench.databases import database
from leadflow.settings import get_rules, get_settings
from leadflow.sheets.files import open_leads
from leadflow.sheets.imports import import_file
from leadflow.store.db import session_factory
from leadflow.store.uow import UnitOfWork

# The register's headers for the fields the generated leads have.
HEADERS = {
    "source": "线索来源",
    "source_detail": "来源详情",
    "company_name": "企业名称",
    "contact_name": "联系人",
    "contact_title": "职位",
    "phone": "联系电话",
    "email": "邮箱",
    "need": "初步需求描述",
    "industry": "所属行业",
    "company_size": "企业规模",
    "region": "地区",
    "contact_role": "决策角色",
    "budget_max": "预算",
    "timeline": "预计采购时间",
    "tags": "标签",
}


def _rows(records: list[dict[str, Any]]) -> list[list[Any]]:
    def cell(record: dict[str, Any], name: str) -> Any:
        value = record.get(name)
        return "; ".join(value) if isinstance(value, list) else value

    return [[cell(r, name) for name in HEADERS] for r in records]


def write_files(folder: Path, records: list[dict[str, Any]]) -> tuple[Path, Path]:
    """The same rows as a UTF-8 .csv and an .xlsx (written streaming)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = _rows(records)
    csv_path, xlsx_path = folder / "leads.csv", folder / "leads.xlsx"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS.values())
        writer.writerows(rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("线索信息登记表")
    sheet.append(list(HEADERS.values()))
    for row in rows:
        sheet.append(row)
    book.save(xlsx_path)
    return csv_path, xlsx_path


def _import(config: Config, path: Path, name: str) -> tuple[float, int]:
    conf = get_settings().imports
    with database("sqlite", config.workdir, name, None) as url:
        start = time.perf_counter()
        with UnitOfWork(session_factory(url), actor="bench-import") as uow:
            report = import_file(
                uow.session,
                open_leads(path),
                path.name,
                get_rules(),
                chunk_rows=conf.chunk_rows,
                shown=conf.shown_rejections,
            )
            uow.commit()
        return time.perf_counter() - start, report.accepted


def sheet_import(config: Config) -> Result:
    """An .xlsx import against the same rows as .csv: the target is within 2x."""
    n = config.size(100_000, 10_000)
    csv_path, xlsx_path = write_files(config.workdir / "sheets", data.lead_records(7, n))
    csv_runs = sorted(_import(config, csv_path, "sheet-csv") for _ in range(config.repeat))
    xlsx_runs = sorted(_import(config, xlsx_path, "sheet-xlsx") for _ in range(config.repeat))
    csv_s, accepted = csv_runs[len(csv_runs) // 2]
    xlsx_s, _ = xlsx_runs[len(xlsx_runs) // 2]
    result = Result(
        "sheet-import",
        "sqlite",
        {"rows": n, "accepted": accepted},
        metrics={
            "csv_seconds": csv_s,
            "xlsx_seconds": xlsx_s,
            "xlsx_to_csv": xlsx_s / csv_s,
            "csv_rows_per_s": n / csv_s,
            "xlsx_rows_per_s": n / xlsx_s,
        },
        notes="store only (no screening); SQLite",
    )
    result.target("xlsx / csv", xlsx_s / csv_s, 2.0)
    return result
