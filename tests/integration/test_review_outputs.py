"""The review as a workbook and as an HTML page, checked against the database and against
the known numbers of the hand-made pipeline in test_review (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from leadflow.errors import InvalidInput
from leadflow.review.build import build_review
from leadflow.review.html import review_html
from leadflow.review.xlsx import write_review_xlsx
from leadflow.store.deal_models import OpportunityAssessment
from leadflow.store.models import Activity, Lead
from tests.integration.test_review import Q3, REVIEWED_AT, Pipeline, at, ids  # noqa: F401

EVIL = '=HYPERLINK("http://evil.example","click")'
SHEETS = [
    "Lead register",
    "Follow-up log",
    "Opportunity grading",
    "Conversion review",
    "Summary",
    "Account tiers",
    "Activity targets",
]


@pytest.fixture
def hostile(uow, rules, ids):  # noqa: F811  (the fixture imported above)
    """The known pipeline plus a Q3 lead whose company reads as a formula and whose notes
    are confidential."""
    p = Pipeline(uow, rules)
    lead = p.lead(
        at(8, 3),
        ids["ann"],
        company_name=EVIL,
        contact_name="@Jo",
        need="-1+1 licences",
        budget_max=321_000,
    )
    p.contact(lead, at(8, 3, 11))
    lead.decision_chain_notes, lead.internal_notes = "CFO signs above 200k", "margin 12%"
    uow.commit()
    return lead.id


def _count(session, model, column) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(model).where(column >= Q3.start, column < Q3.end)
        )
        or 0
    )


def _by_header(ws) -> dict[str, int]:
    return {cell.value: cell.column for cell in ws[1]}


def _row_of(ws, lead_id: int) -> dict[str, object]:
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == lead_id:
            return {h: c for h, c in zip(headers, row, strict=True)}
    raise AssertionError(f"lead {lead_id} is not in the register")


def test_workbook_rows_match_the_database(uow, hostile, tmp_path):
    s = uow.session
    review = build_review(s, Q3, REVIEWED_AT)
    counts = write_review_xlsx(s, review, tmp_path / "q3.xlsx", "manager")
    book = load_workbook(tmp_path / "q3.xlsx")
    assert book.sheetnames == SHEETS
    cohort = s.scalar(
        select(func.count()).where(
            Lead.created_at >= Q3.start, Lead.created_at < Q3.end, Lead.duplicate_of_id.is_(None)
        )
    )
    expected = {
        "Lead register": cohort,
        "Follow-up log": _count(s, Activity, Activity.at),
        "Opportunity grading": _count(s, OpportunityAssessment, OpportunityAssessment.assessed_at),
        "Conversion review": 1 + len(review.channels) + len(review.reps) + len(review.teams),
    }
    assert cohort == review.total_leads == 11
    assert expected["Follow-up log"] == 6 and expected["Opportunity grading"] == 4
    for title, rows in expected.items():
        ws = book[title]
        assert ws.max_row - 1 == rows == counts[title], title
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{rows + 1}"
        assert ws["A1"].font.bold
    headers = [c.value for c in book["Conversion review"][1]]
    first = dict(zip(headers, [c for c in book["Conversion review"][2]], strict=True))
    assert first["Section"].value == "Total" and first["Leads"].value == 11
    assert first["Won value"].value == pytest.approx(380000.40)
    assert first["Won value"].number_format == "#,##0.00"
    assert first["Conversion (won / valid)"].number_format == "0.0%"
    ann = next(
        dict(zip(headers, row, strict=True))
        for row in book["Conversion review"].iter_rows(min_row=2)
        if row[0].value == "Rep" and row[1].value == "Ann"
    )
    assert ann["Revenue progress"].value == pytest.approx(0.825)
    assert ann["Revenue target"].value == 400000


def test_workbook_cells_formats_and_formula_escaping(uow, hostile, tmp_path):
    s = uow.session
    write_review_xlsx(s, build_review(s, Q3, REVIEWED_AT), tmp_path / "q3.xlsx", "director")
    book = load_workbook(tmp_path / "q3.xlsx")
    row = _row_of(book["Lead register"], hostile)
    # Formula-like text is kept unchanged, as a quote-prefixed text cell (no visible quote).
    assert row["Company"].value == EVIL and row["Company"].data_type == "s"
    assert row["Company"].quotePrefix
    assert row["Contact"].value == "@Jo" and row["Need"].value == "-1+1 licences"
    lead = s.get(Lead, hostile)
    assert row["Created (UTC)"].value == lead.created_at.replace(tzinfo=None)
    assert row["Created (UTC)"].number_format == "yyyy-mm-dd hh:mm"
    assert row["Budget max"].value == 321000 and row["Budget max"].number_format == "#,##0.00"
    assert row["Internal notes"].value == "margin 12%"
    assert row["Decision-chain notes"].value == "CFO signs above 200k"
    assert row["Owner"].value == "Ann" and row["State"].value == lead.state
    assert row["Timeline"].number_format == "yyyy-mm-dd"
    log = book["Follow-up log"]
    cols = _by_header(log)
    companies = [r[cols["Company"] - 1].value for r in log.iter_rows(min_row=2)]
    assert EVIL in companies and "'" + EVIL not in companies
    assert all(c.data_type != "f" for ws in book for r in ws.iter_rows() for c in r)


@pytest.mark.parametrize("role, sees", [("manager", True), ("director", True), ("system", False)])
def test_workbook_masks_sensitive_columns_by_role(uow, hostile, tmp_path, role, sees):
    s = uow.session
    write_review_xlsx(s, build_review(s, Q3, REVIEWED_AT), tmp_path / f"{role}.xlsx", role)
    book = load_workbook(tmp_path / f"{role}.xlsx")
    row = _row_of(book["Lead register"], hostile)
    shown = {
        h: row[h].value
        for h in (
            "Budget min",
            "Budget max",
            "Budget confirmed",
            "Decision-chain notes",
            "Internal notes",
        )
    }
    grading = book["Opportunity grading"]
    budgets = [r[_by_header(grading)["Budget"] - 1].value for r in grading.iter_rows(min_row=2)]
    if sees:
        assert shown["Budget max"] == 321000 and shown["Internal notes"] == "margin 12%"
        assert 1_500_000 in budgets
    else:
        assert set(shown.values()) == {"(restricted)"}
        assert set(budgets) == {"(restricted)"}
        text = " ".join(str(c.value) for ws in book for r in ws.iter_rows() for c in r)
        assert "CFO signs" not in text and "margin 12%" not in text and "321000" not in text
    assert row["Company"].value == EVIL  # what everyone may see stays


def test_unknown_role_is_refused(uow, ids, tmp_path):  # noqa: F811
    with pytest.raises(InvalidInput, match="role: 'boss' is not one of"):
        write_review_xlsx(
            uow.session, build_review(uow.session, Q3, REVIEWED_AT), tmp_path / "x.xlsx", "boss"
        )


class Page(HTMLParser):
    """Images, and the text of every table cell by table id, of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: dict[str, str] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.cards: dict[str, str] = {}
        self._figure: str | None = None
        self._table: str | None = None
        self._card: str | None = None
        self._cell: list[str] | None = None
        self._value = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "figure":
            self._figure = a.get("id")
        elif tag == "img" and self._figure:
            self.images[self._figure] = a.get("src") or ""
        elif tag == "table":
            self._table = a.get("id")
            self.tables[self._table or ""] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "div" and a.get("data-measure"):
            self._card = a["data-measure"]
        elif tag == "div" and a.get("class") == "value" and self._card:
            self._value = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag == "figure":
            self._figure = None
        elif tag == "div" and self._value:
            self._value, self._card = False, None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._value and self._card:
            self.cards[self._card] = self.cards.get(self._card, "") + data.strip()


def _page(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_html_report_has_every_chart_and_table_with_the_numbers(uow, ids):  # noqa: F811
    review = build_review(uow.session, Q3, REVIEWED_AT)
    html = review_html(review)
    page = _page(html)
    assert set(page.images) == {
        f"chart-{k}" for k in ("funnel", "channels", "losses", "cycle", "sla", "targets")
    }
    for src in page.images.values():
        assert src.startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
        assert "<svg" in svg and "<text" in svg and len(svg) > 5000  # labels stay text
    assert "http://" not in html and "https://" not in html  # one self-contained file
    assert page.cards["total_leads"] == "10" and page.cards["conversion_rate"] == "37.5%"
    assert page.cards["won_deals"] == "4" and page.cards["average_cycle_days"] == "32.5 d"
    assert page.cards["sla_compliance"] == "37.5%"
    t = page.tables
    states = [r[:3] for r in t["funnel"][1:] if not r[0].startswith("now at ")]
    assert states == [
        ["created", "10", "100.0%"],
        ["screened", "8", "80.0%"],
        ["nurturing", "8", "80.0%"],
        ["opportunity", "4", "40.0%"],
        ["negotiation", "3", "30.0%"],
        ["won", "3", "30.0%"],
    ]
    # Under opportunity, its sub-stages (rule book §7): the one deal still open entered at
    # the first; no deal of the cohort is in negotiation now.
    assert [r[:2] for r in t["funnel"][5:8]] == [
        ["now at 需求确认", "1"],
        ["now at 技术评估阶段", "0"],
        ["now at 方案报价", "0"],
    ]
    assert t["channels"][1] == [
        "website form",
        "6",
        "4",
        "2",
        "50.0%",
        "3",
        "330,000.00",
        "110,000.00",
    ]
    assert t["losses"][1:] == [["competitor", "2", "66.7%"], ["price", "1", "33.3%"]]
    assert t["sla"][1:] == [["medium", "2", "2", "0", "50.0%"], ["low", "1", "3", "0", "25.0%"]]
    assert dict((r[0], r[1]) for r in t["cycle"][1:]) == {
        "0-7": "1",
        "8-14": "0",
        "15-30": "2",
        "31-60": "0",
        "61-90": "1",
        "90+": "0",
    }
    ann = next(r for r in t["reps"][1:] if r[0] == "Ann")
    assert ann[4:10] == ["3", "330,000.00", "1", "75.0%", "400,000.00", "82.5%"]
    assert t["teams"][1][5:9] == ["3", "57.1%", "1,000,000.00", "38.0%"]
    assert t["grades"][1:] == [["A", "B", "1"], ["B", "A", "1"]]


def test_html_escapes_what_people_typed(uow, rules):
    from tests import factories as f

    team = f.team(uow.session, name="<script>alert(1)</script>")
    f.rep(uow.session, team.id, name="Ann & <b>Bob</b>")
    html = review_html(build_review(uow.session, Q3, REVIEWED_AT))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Ann &amp; &lt;b&gt;Bob&lt;/b&gt;" in html


def test_an_empty_period_still_renders(uow, tmp_path):
    review = build_review(uow.session, Q3, REVIEWED_AT)
    page = _page(review_html(review))
    assert len(page.images) == 6 and page.cards["total_leads"] == "0"
    counts = write_review_xlsx(uow.session, review, tmp_path / "empty.xlsx")
    assert counts["Lead register"] == 0
    register = load_workbook(tmp_path / "empty.xlsx")["Lead register"]
    assert register.auto_filter.ref == "A1:AT1"  # 46 columns


def test_workbook_counts_late_logs_per_rep(uow, rules, tmp_path):
    """Rule book §6: "A contact is logged with the time it happened; one logged more than 24
    hours later is marked late (and counted per rep in the review)." The workbook counts
    them per rep and team in the conversion review and marks each in the follow-up log, in
    the reader's language."""
    import datetime as dt

    from leadflow.i18n import use_locale
    from leadflow.lifecycle import operations as svc
    from leadflow.review.period import Period
    from tests import factories as f
    from tests.integration.test_seed_rules import MON, intake

    s = uow.session
    team = f.team(s, name="East")
    ann, bo = f.rep(s, team.id, name="Ann"), f.rep(s, team.id, name="Bo")
    mine, bos = intake(uow, rules), intake(uow, rules)
    assert (mine.owner_id, bos.owner_id) == (ann.id, bo.id)
    day = dt.timedelta(days=1)
    for lead, happened, logged in (
        (mine, MON, MON + 2 * day),
        (mine, MON + day, MON + 3 * day),
        (mine, MON + 3 * day, MON + 3 * day),
        (bos, MON + day, MON + day + dt.timedelta(hours=23)),
    ):
        svc.log_activity(
            s, lead.id, channel="phone", key_points="call", at=happened, now=logged, rules=rules
        )
    review = build_review(s, Period.containing(MON.date()), MON + 5 * day)
    for locale, late_logs, logged_late, rep, team_label, yes, no in (
        ("en", "Late logs", "Logged late", "Rep", "Team", "Yes", "No"),
        ("zh_CN", "补录跟进", "补录", "销售代表", "团队", "是", "否"),
    ):
        with use_locale(locale):
            write_review_xlsx(s, review, tmp_path / f"{locale}.xlsx", "manager")
        book = load_workbook(tmp_path / f"{locale}.xlsx")
        conversion, log = book.worksheets[3], book.worksheets[1]
        column = _by_header(conversion)[late_logs]
        counts = {
            (row[0].value, row[1].value): row[column - 1].value
            for row in conversion.iter_rows(min_row=2)
        }
        assert {k: v for k, v in counts.items() if k[0] in (rep, team_label)} == {
            (rep, "Ann"): 2,
            (rep, "Bo"): 0,
            (team_label, "East"): 2,
        }, locale
        marks = [row[_by_header(log)[logged_late] - 1].value for row in log.iter_rows(min_row=2)]
        assert sorted(marks) == sorted([no, no, yes, yes]), locale
