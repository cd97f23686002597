"""Reports people read (issue 33 item 5): the headline says which leads each count is of,
the workbooks' columns fit their cells, flags read yes or no, and every number and date
carries a format, in the reader's language."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from leadflow.i18n import use_locale
from leadflow.review.build import build_review, review_markdown
from leadflow.review.html import review_html
from leadflow.review.xlsx import write_review_xlsx
from leadflow.sheets.export import ExportFilter, export_leads
from tests.integration.test_review import Q3, REVIEWED_AT, ids  # noqa: F401

CAP = 60  # the widest a column is made (a long note wraps in its cell)
HEADLINES = {
    "en": (
        "Closed in the period: 4 won, 3 lost",
        "Created in the period (cohort): 3 of 8 valid leads won so far",
    ),
    "zh_CN": (
        "本期成交：赢单 4 单，流失 3 单",
        "本期新增线索（同期群）：8 条有效线索中已赢单 3 条",
    ),
}


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_the_headline_tells_deals_closed_from_leads_created(uow, ids, locale):  # noqa: F811
    """4 deals closed as won in Q3 (one of them a lead from Q2) and 3 lost; of the 8 valid
    leads created in Q3, 3 are won so far: two counts of two populations, both named."""
    with use_locale(locale):
        review = build_review(uow.session, Q3, REVIEWED_AT)
        markdown, html = review_markdown(review), review_html(review)
    closed, cohort = HEADLINES[locale]
    assert f"- {closed}\n- {cohort}\n" in markdown
    start = html.index('id="headline-split"')
    split = html[start : html.index("</section>", start)]
    assert closed in split and cohort in split


def _shown_width(value: object, fmt: str) -> int:
    """How wide a spreadsheet shows the cell, a CJK character as two."""
    if isinstance(value, dt.datetime | dt.date):
        text = "0000-00-00 00:00" if "h" in fmt else "0000-00-00"
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        places = fmt.split(".")[1].count("0") if "." in fmt else 0
        text = f"{float(value) * (100 if '%' in fmt else 1):,.{places}f}"
    else:
        text = str(value)
    return max(
        sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
        for line in text.splitlines() or [""]
    )


def _check_sheet(sheet) -> None:
    """Each column at least as wide as its widest cell (up to the cap); each number and
    date with a number format of its own."""
    widest: dict[str, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            width = _shown_width(cell.value, cell.number_format)
            widest[cell.column_letter] = max(widest.get(cell.column_letter, 0), width)
            if isinstance(cell.value, int | float | dt.date) and not isinstance(cell.value, bool):
                assert cell.number_format != "General", (sheet.title, cell.coordinate)
            if isinstance(cell.value, int | float) and abs(cell.value) >= 1000:
                assert "," in cell.number_format or "%" in cell.number_format, cell.coordinate
            if isinstance(cell.value, dt.date):
                assert "yy" in cell.number_format, (sheet.title, cell.coordinate)
    for letter, width in widest.items():
        set_to = sheet.column_dimensions[letter].width
        assert set_to >= min(width, CAP), (sheet.title, letter, width, set_to)


def test_the_chinese_workbook_fits_its_cells_and_says_yes_or_no(uow, ids, tmp_path):  # noqa: F811
    s = uow.session
    with use_locale("zh_CN"):
        write_review_xlsx(s, build_review(s, Q3, REVIEWED_AT), tmp_path / "q3.xlsx", "manager")
    book = load_workbook(tmp_path / "q3.xlsx")
    for sheet in book.worksheets:
        _check_sheet(sheet)
    register = book["线索信息表"]
    headers = [c.value for c in register[1]]
    valid = {r[headers.index("有效")].value for r in register.iter_rows(min_row=2)}
    assert valid == {"是", "否"}  # two leads of Q3 were invalid
    summary = book["汇总"]
    won_value = next(r for r in summary.iter_rows(min_row=2) if r[1].value == "赢单金额")
    assert won_value[2].number_format == "#,##0.00"
    created = next(r for r in summary.iter_rows(min_row=2) if r[1].value == "新增线索")
    assert created[2].value == 10 and created[2].number_format == "#,##0"


def test_the_lead_export_workbook_fits_and_formats_its_cells(uow, ids, tmp_path):  # noqa: F811
    count = export_leads(uow.session, tmp_path / "leads.xlsx", "xlsx", ExportFilter())
    sheet = load_workbook(tmp_path / "leads.xlsx")["Leads"]
    assert sheet.max_row == count + 1
    _check_sheet(sheet)
    headers = [c.value for c in sheet[1]]
    budget = sheet.cell(row=2, column=headers.index("budget_max") + 1)
    assert budget.number_format == "#,##0.00"


def test_every_table_of_the_review_scrolls_inside_its_card(uow, ids):  # noqa: F811
    """A table wider than the page (the reps' 16 columns) scrolls inside its card, and a
    printed one wraps its cells instead: the stylesheet goes with the page, no CDN."""
    html = review_html(build_review(uow.session, Q3, REVIEWED_AT))
    tables = re.findall(r"(<div[^>]*>)?\s*<table", html)
    assert len(tables) >= 10 and all('class="panel"' in opening for opening in tables)
    style = html[html.index("<style>") : html.index("</style>")]
    assert re.search(r"\.panel \{[^}]*overflow-x: auto", style)
    assert "@media print" in style and "http" not in style
