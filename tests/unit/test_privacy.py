"""Minimum necessary data: what of a rejected record may be kept (rule book §1)."""

from __future__ import annotations

import pytest

from leadflow.config_files import load_rules
from leadflow.rules.config import ConfigError
from leadflow.rules.privacy import Refused, Removed, is_id_number, minimum, minimum_text
from leadflow.settings import DEFAULT_CONFIG_DIR

ID_X = "11010519491231002X"  # GB 11643's own example
ID_8 = "320102198001011238"


@pytest.fixture
def refused(rules) -> Refused:
    return Refused.of(rules.privacy)


def test_a_resident_id_number_needs_a_birth_date_and_its_check_character():
    assert is_id_number(ID_X) and is_id_number(ID_X.lower()) and is_id_number(ID_8)
    assert not is_id_number("320102198001011234")  # wrong check character
    assert not is_id_number("320102198013011238")  # no 13th month
    assert not is_id_number("32010280010112")  # the 15-digit form is not recognised in text


def test_refused_fields_go_at_any_depth_and_id_numbers_are_masked_anywhere(refused):
    """Rule book §1: "Personal data the product refuses is never stored, not even in the
    quarantine."""
    removed = Removed()
    kept = minimum(
        {
            "company_name": "Acme",
            "身份證號碼": ID_8,  # traditional, as a Taiwanese or Hong Kong sheet has it
            "ＨＯＭＥ Address": "1 Elm St",  # matched as headers are
            "need": f"证件 {ID_X}, call 13800138000",
            "leads": [{"家庭住址": "北京市朝阳区1号", "phone": int(ID_8)}],
            "passport": "",  # nothing was in it: nothing to note
        },
        refused,
        removed,
    )
    assert kept == {
        "company_name": "Acme",
        "need": "证件 [removed: ID number], call 13800138000",
        "leads": [{"phone": "[removed: ID number]"}],
    }
    assert removed.note() == (
        "身份證號碼 (ID number), ＨＯＭＥ Address (home address), 家庭住址 (home address), "
        "2 ID numbers masked"
    )
    assert Removed().note() is None


def test_text_that_is_not_json_keeps_every_other_character(refused):
    removed = Removed()
    text = '{"身份证号": "' + ID_X + '", "住址": "上海", "need": "crm", oops'
    assert minimum_text(text, refused, removed) == (
        '{"身份证号": "[removed: ID number]", "住址": "[removed: home address]", '
        '"need": "crm", oops'
    )
    assert removed.fields == {"身份证号": "ID number", "住址": "home address"}
    assert removed.masked == 0


def test_a_name_listed_under_two_kinds_is_refused_at_load(tmp_path):
    team = tmp_path / "rules.yaml"
    team.write_text(
        "privacy:\n  refused_fields:\n    ID number: [身份证号]\n    home address: [身份证号]\n",
        encoding="utf-8",
    )
    both = "rules.yaml: privacy: .*身份证号.* under both ID number and home address"
    with pytest.raises(ConfigError, match=both):
        load_rules(DEFAULT_CONFIG_DIR / "rules.yaml", team)
