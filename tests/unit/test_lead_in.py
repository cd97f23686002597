"""LeadIn refuses a NUL character in every field that can hold text, naming the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from leadflow.schemas import LeadIn, field_errors
from tests import factories as f

TEXT_FIELDS = [name for name, info in LeadIn.model_fields.items() if "str" in str(info.annotation)]


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
