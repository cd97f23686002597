"""Role scope and masking in every output: the API's answer, and the review as workbook,
HTML, Markdown and JSON follow one rule (leadflow.rules.access), field by field.

The probe's rep workbook listed every rep's leads and showed the assessment's
decision-chain rating, which the API hides from that role."""

from __future__ import annotations

import json
import re
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from leadflow.api.deps import Principal
from leadflow.api.present import lead_detail
from leadflow.review.export import review_for, write_all
from leadflow.review.xlsx_tables import LEAD_REGISTER, OPPORTUNITY_GRADING
from leadflow.rules.access import ASSESSMENT_SENSITIVE, Viewer
from leadflow.rules.vocab import SENSITIVE, Role
from leadflow.store.deal_models import OpportunityAssessment
from leadflow.store.models import Lead
from tests.integration.test_review import Q3, REVIEWED_AT, ids  # noqa: F401
from tests.integration.test_review_outputs import hostile  # noqa: F401


def _outputs(uow, viewer: Viewer, folder: Path) -> dict[str, str]:
    """The four formats for this reader: the workbook as the text of every cell."""
    review = review_for(uow.session, Q3, REVIEWED_AT, viewer)
    paths = write_all(uow.session, review, folder, viewer)
    book = load_workbook(paths["xlsx"])
    cells = " | ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row)
    return {"xlsx": cells, **{fmt: paths[fmt].read_text() for fmt in ("html", "md", "json")}}


def _sensitive_columns(book_path: Path) -> dict[str, list[object]]:
    """Every value under a sensitive column, by header."""
    book = load_workbook(book_path)
    out: dict[str, list[object]] = {}
    for columns, title in (
        (LEAD_REGISTER, "Lead register"),
        (OPPORTUNITY_GRADING, "Opportunity grading"),
    ):
        headers = [c.header for c in columns]
        for row in book[title].iter_rows(min_row=2, values_only=True):
            for column, value in zip(columns, row, strict=True):
                if column.sensitive:
                    out.setdefault(f"{title}: {column.header}", []).append(value)
        assert headers == [c.value for c in book[title][1]]
    return out


def test_every_sensitive_field_is_masked_alike_in_the_api_and_all_four_exports(
    uow,
    hostile,  # noqa: F811  (a fixture imported from its module)
    tmp_path,
    rules,
):
    """Spec §1: budget, decision chain and internal notes are shown only to the lead's
    owner, their manager and directors."""
    s = uow.session
    masked_columns = {c.name for c in LEAD_REGISTER + OPPORTUNITY_GRADING if c.sensitive}
    assert masked_columns == set(SENSITIVE) | set(ASSESSMENT_SENSITIVE)
    system = Viewer.of("system")
    outputs = _outputs(uow, system, tmp_path / "system")
    for header, values in _sensitive_columns(
        tmp_path / "system" / f"review-{Q3.label}.xlsx"
    ).items():
        assert set(values) == {"(restricted)"}, header
    secrets = [
        str(v)
        for lead in s.scalars(select(Lead))
        for v in (lead.decision_chain_notes, lead.internal_notes)
        if v
    ]
    # Numbers only where no public figure (a target, a deal) happens to be equal.
    secrets.append(f"{s.get(Lead, hostile).budget_max:,.2f}")
    assert "margin 12%" in secrets and "321,000.00" in secrets
    assert s.scalars(select(OpportunityAssessment.budget)).all()  # masked in the workbook
    for fmt, text in outputs.items():
        for secret in secrets:
            assert secret not in text and secret.replace(",", "") not in text, (fmt, secret)
    review = json.loads(outputs["json"])
    assert {line["open_value"] for line in review["reps"] + review["teams"]} == {None}
    answer = lead_detail(s, s.get(Lead, hostile), Principal(0, Role.system, None, "web"), rules)
    assert answer.masked == list(SENSITIVE)
    assert all(getattr(answer, name) is None for name in SENSITIVE)
    manager = _outputs(uow, Viewer.of("manager"), tmp_path / "manager")
    assert "margin 12%" in manager["xlsx"] and "CFO signs above 200k" in manager["xlsx"]


def test_a_reps_review_holds_only_their_own_leads_in_every_format(uow, hostile, ids, tmp_path):  # noqa: F811
    """A rep reads their own leads whole, as the API shows them to their owner, and
    nothing of anyone else's: no lead, no result line, no team totals."""
    s = uow.session
    bob = Viewer.of("rep", ids["bob"])
    outputs = _outputs(uow, bob, tmp_path / "bob")
    review = json.loads(outputs["json"])
    assert [line["name"] for line in review["reps"]] == ["Bob"] and review["teams"] == []
    bobs = s.scalars(
        select(Lead.id).where(
            Lead.owner_id == ids["bob"], Lead.created_at >= Q3.start, Lead.created_at < Q3.end
        )
    ).all()
    assert review["total_leads"] == len(bobs) > 0
    book = load_workbook(tmp_path / "bob" / f"review-{Q3.label}.xlsx")
    register = list(book["Lead register"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[0] for row in register) == sorted(bobs)
    for title in ("Lead register", "Follow-up log", "Opportunity grading"):
        header = [c.value for c in book[title][1]]
        owners = {
            row[header.index("Owner" if "Owner" in header else "Rep")]
            for row in book[title].iter_rows(min_row=2, values_only=True)
        }
        assert owners <= {"Bob", None}, title
    for fmt, text in outputs.items():
        assert not re.search(r"\bAnn\b", text), fmt  # the other rep appears nowhere
        assert "margin 12%" not in text, fmt  # Ann's lead's notes
    grading = _sensitive_columns(tmp_path / "bob" / f"review-{Q3.label}.xlsx")
    assert "(restricted)" not in grading["Opportunity grading: Budget"]  # his own: whole
