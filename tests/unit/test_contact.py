"""Contact normalisation: one person arriving twice with other spellings is one key."""

from __future__ import annotations

import pytest

from leadflow.rules.contact import company_key, contact_verifiable, email_key, phone_key

# --- email -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "john.doe@example.com",
        "John.Doe@Example.COM",
        "  JOHN.DOE@EXAMPLE.COM\t\n",
    ],
)
def test_email_case_and_whitespace(raw):
    assert email_key(raw) == "john.doe@example.com"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "john",
        "john@",
        "@example.com",
        "john@example",
        "john doe@example.com",
        "john@@example.com",
        "john@example.c",
    ],
)
def test_malformed_email_has_no_key(raw):
    assert email_key(raw) is None


# --- phone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "+1 (555) 123-4567",
        "555.123.4567",
        "001 555 123 4567",
        "5551234567",
        "1-555-123-4567",
        "+1 555 123 4567",
    ],
)
def test_us_spellings_share_one_key(raw):
    assert phone_key(raw) == "5551234567"


def test_china_mobile_with_and_without_country_code():
    assert phone_key("+86 138 1234 5678") == phone_key("13812345678")
    assert phone_key("0086-138-1234-5678") == phone_key("13812345678")


def test_uk_international_and_national_match():
    assert phone_key("+44 20 7946 0958") == phone_key("020 7946 0958")


def test_full_width_digits_normalised():
    assert phone_key("５５５-１２３-４５６７") == "5551234567"


def test_different_numbers_differ():
    assert phone_key("+1 (555) 123-4567") != phone_key("+1 (555) 123-4568")
    assert phone_key("13812345678") != phone_key("13912345678")


def test_short_local_number_is_kept_whole():
    assert phone_key("123-4567") == "1234567"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "call me",
        "12-34",
        "123456",
        "+1 234 567 890 123 456 7",  # 6 and 17 digits
    ],
)
def test_malformed_phone_has_no_key(raw):
    assert phone_key(raw) is None


# --- company -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "Acme, Inc.",
        "ACME",
        "acme",
        "  Acme  ",
        "Acme Inc",
        "Acme Ltd.",
        "ACME LLC",
        "Acme Co., Ltd.",
        "Acme GmbH",
        "Acme Corporation",
        "Acme Corp.",
    ],
)
def test_company_key_strips_case_punctuation_and_legal_suffixes(raw):
    assert company_key(raw) == "acme"


def test_company_key_keeps_inner_words():
    assert company_key("Acme Widgets, Inc.") == company_key("ACME   widgets")
    assert company_key("Acme Widgets, Inc.") == "acme widgets"
    assert company_key("Acme Widgets") != company_key("Acme")


def test_suffix_only_name_is_kept():
    assert company_key("Company") == "company"
    assert company_key("Inc.") == "inc"


@pytest.mark.parametrize("raw", [None, "", "  ", "...", ",-"])
def test_empty_company_has_no_key(raw):
    assert company_key(raw) is None


# --- verifiable --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone, email, expected",
    [
        ("+1 (555) 123-4567", "john@example.com", True),
        ("+1 (555) 123-4567", None, True),
        (None, "john@example.com", True),
        ("12", "john@example.com", True),
        ("+1 (555) 123-4567", "john@", True),
        ("12", "john@", False),
        ("phone", "mail", False),
        (None, None, False),
        ("", "", False),
    ],
)
def test_contact_verifiable(phone, email, expected):
    assert contact_verifiable(phone, email) is expected


@pytest.mark.parametrize(
    "phone",
    [
        "555-123-4567 ext 89",
        "555-123-4567 x89",
        "+1 555 123 4567 #12",
        "(555) 123-4567 extension 7",
    ],
)
def test_phone_extension_is_not_part_of_the_key(phone):
    assert phone_key(phone) == "5551234567"
