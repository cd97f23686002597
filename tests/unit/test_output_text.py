"""Issue 30: a stored value can always be written, and a failing output names the lead,
the field and the problem, never the value (openpyxl's own message quotes it)."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import IllegalCharacterError

from leadflow.cli.output import printable
from leadflow.errors import Unwritable
from leadflow.review.xlsx import sheet_text, unwritable
from leadflow.templates import environment

LEGACY = "Secret\x0bCorp\x1b[2J\nline two"


def test_each_output_shows_a_control_character_as_its_escape():
    assert not ILLEGAL_CHARACTERS_RE.search(sheet_text(LEGACY))
    assert sheet_text(LEGACY) == "Secret\\x0bCorp\\x1b[2J\nline two"  # a line break stays
    assert printable(LEGACY) == "Secret\\x0bCorp\\x1b[2J\\nline two".replace("\\n", "\n")
    html = environment().from_string("<td>{{ v }}</td>{{ m }}").render(v=LEGACY, m=7)
    assert html == "<td>Secret\\x0bCorp\\x1b[2J\nline two</td>7"


def test_a_row_openpyxl_refuses_is_named_by_lead_and_field_without_its_value():
    book = Workbook(write_only=True)
    with pytest.raises(IllegalCharacterError, match="Secret"):  # the probe's leak
        book.create_sheet("Leads").append([7, "Secret\x0bCorp"])
    row = [7, "Secret\x0bCorp"]
    error = unwritable(book.create_sheet("Again"), "leads export", ["id", "company_name"], row)
    assert isinstance(error, Unwritable)
    assert str(error) == (
        "leads export: lead 7, field company_name: its value cannot be written to a "
        "workbook (IllegalCharacterError); correct the lead's company_name and retry"
    )


def test_the_review_sheet_raises_it_without_the_openpyxl_message_attached():
    from leadflow.review.xlsx import _Sheet  # the writer of every review sheet
    from leadflow.review.xlsx_tables import Column

    book = Workbook(write_only=True)
    sheet = _Sheet(book, "Lead register", [Column("Lead ID", "id"), Column("Notes", "n")], False)
    with pytest.raises(Unwritable) as caught:  # a value openpyxl cannot convert at all
        sheet.add([9, {"budget": "Secret 500k"}])
    assert "lead 9, field n" in str(caught.value) and "Secret" not in str(caught.value)
    assert caught.value.__suppress_context__ and caught.value.__cause__ is None
