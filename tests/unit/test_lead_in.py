"""LeadIn refuses a NUL character in every field that can hold text, naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from leadflow.schemas import LeadIn, field_errors, read_lead
from tests import factories as f

# The fields that hold text (an amount, digits as text or a number, is refused by its own
# pattern: tests/e2e/test_openapi_types.py).
AMOUNTS = {"budget_min", "budget_max", "annual_revenue"}
TEXT_FIELDS = [
    name
    for name, info in LeadIn.model_fields.items()
    if "str" in str(info.annotation) and name not in AMOUNTS
]


@pytest.mark.parametrize("name", sorted(AMOUNTS))
def test_an_amount_with_a_control_character_is_refused_naming_the_field(name):
    with pytest.raises(ValidationError) as caught:
        LeadIn.model_validate({**f.lead_record(), name: "98\x0b76"})
    errors = field_errors(caught.value)
    assert list(errors) == [name] and "98" not in errors[name], errors


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_nul_is_refused_in_every_text_field(name):
    record = f.lead_record()
    record[name] = {"tags": ["a\x00b"], "to_confirm": {"budget": "a\x00b"}}.get(name, "a\x00b")
    with pytest.raises(ValidationError) as caught:
        LeadIn.model_validate(record)
    errors = field_errors(caught.value)
    assert any(key.split(".")[0] == name and "NUL" in msg for key, msg in errors.items()), errors


def test_the_text_fields_are_found():
    assert {"company_name", "need", "tags", "internal_notes"} <= set(TEXT_FIELDS)


@pytest.mark.parametrize(
    "odd",
    [
        {"to_confirm": 1},
        {"to_confirm": 1.5},
        {"to_confirm": ["budget"]},
        {"to_confirm": {"budget": 3}},
        {"budget": ["50万"]},
        {"budget": {"low": 1}},
        {"timeline": "3个月内", "entered_at": "9999-12-31T00:00"},
        {"timeline": 20261231},
        {"need": "预算1" + "万" * 5000},
    ],
)
def test_odd_shapes_are_named_or_read_never_an_internal_error(odd):
    """What a hostile sender posts is refused naming its field, or read; never a crash
    (tests/reliability/test_hostile_input.py found `to_confirm: 1`)."""
    try:
        read_lead({**f.lead_record(budget_max=None, timeline=None), **odd}, f.wall_clock())
    except ValidationError as caught:
        named = {key.split(".")[0] for key in field_errors(caught)}
        assert named <= {*odd, "(record)"}, field_errors(caught)


LINES = {"need", "decision_chain_notes", "internal_notes", "to_confirm"}


@pytest.mark.parametrize("name", TEXT_FIELDS)
@pytest.mark.parametrize("char", ["\x0b", "\x1b", "\x7f", "\x85"])
def test_a_control_character_is_refused_naming_the_field_never_the_value(name, char):
    """Issue 30: a company name with \\x0b broke every workbook; the refusal names the
    field and the character's code point, and carries none of the text."""
    text = f"Secret{char}Corp"
    record = f.lead_record()
    record[name] = {"tags": [text], "to_confirm": {"budget": text}}.get(name, text)
    with pytest.raises(ValidationError) as caught:
        LeadIn.model_validate(record)
    errors = field_errors(caught.value)
    named = {key: msg for key, msg in errors.items() if key.split(".")[0] == name}
    assert named and all(f"U+{ord(char):04X}" in msg for msg in named.values()), errors
    assert "Secret" not in str(errors)


def test_tab_and_line_breaks_are_kept_in_notes_and_refused_in_a_name():
    notes = "first line\r\nsecond\tline\nthird"
    lead = LeadIn.model_validate(f.lead_record(need=notes, internal_notes=notes))
    assert lead.need == lead.internal_notes == notes
    for name in ("company_name", "contact_name", "phone"):
        with pytest.raises(ValidationError) as caught:
            LeadIn.model_validate(f.lead_record(**{name: "a\nb"}))
        assert "one-line field" in field_errors(caught.value)[name]
    with pytest.raises(ValidationError) as caught:
        LeadIn.model_validate(
            f.lead_record(events=[{"kind": "webinar", "at": f.wall_clock(), "detail": "a\x0bb"}])
        )
    assert "U+000B" in field_errors(caught.value)["events.0.detail"]


def test_a_record_without_a_need_is_refused_unless_the_team_keeps_it_to_complete():
    record = {k: val for k, val in f.lead_record().items() if k != "need"}
    now = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as refused:
        read_lead(record, now)
    assert field_errors(refused.value) == {"need": "Field required"}
    with pytest.raises(ValidationError) as empty:
        read_lead({**record, "need": "  "}, now)
    assert "need" in field_errors(empty.value)
    assert read_lead(record, now, need_required=False).need == ""
