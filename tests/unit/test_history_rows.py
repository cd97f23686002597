"""The rules of one CRM history row (docs/rules.md, "Migrating from another CRM"): times in
order, the state's own time given, a won deal's value, a closed deal kept without contact,
a loss reason kept as written."""

from __future__ import annotations

import datetime as dt

import pytest

from leadflow.intake.history_rows import read_activity, read_past
from leadflow.settings import get_rules

NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
LEAD = {"source": "referral", "company_name": "Acme", "contact_name": "Ann", "need": "frames"}
WON = {
    **LEAD,
    "state": "won",
    "created_at": "2025-01-02",
    "screened_at": "2025-01-03 10:00",
    "opportunity_at": "2025-02-01",
    "closed_at": "2025-03-01",
    "contract_value": "120000",
}


def _errors(**row: object) -> dict[str, str]:
    return read_past(row, get_rules(), NOW)[2]


def test_a_closed_deal_needs_no_contact_and_naive_times_are_utc():
    lead, past, errors = read_past(WON, get_rules(), NOW)
    assert errors == {} and lead is not None and past is not None
    assert lead.email is None and past.created_at == dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    assert past.screened is True and past.latest == dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def test_an_open_deal_needs_a_way_to_reach_it():
    row = {**WON, "state": "opportunity", "closed_at": None, "contract_value": None}
    assert _errors(**row) == {"(record)": "phone or email: at least one is required"}
    assert _errors(**row, email="ann@acme.example") == {}
    both = _errors(**{**row, "state": "negotiation"})["(record)"]
    assert both == (
        "negotiation_at: required for a lead in state negotiation; "
        "phone or email: at least one is required"
    )


def test_times_out_of_order_name_both_fields():
    errors = _errors(**{**WON, "opportunity_at": "2024-12-01"})
    assert errors["(record)"].startswith(
        "opportunity_at (2024-12-01T00:00+00:00) is before screened_at (2025-01-03T10:00+00:00)"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"closed_at": None}, "closed_at: required for a lead in state won"),
        ({"contract_value": None}, "contract_value: required for a won deal"),
        ({"loss_reason": "price"}, "loss_reason: given, but the lead is won"),
        ({"state": "negotiation"}, "negotiation_at: required for a lead in state negotiation"),
    ],
)
def test_a_state_and_its_times_agree(change, message):
    assert _errors(**{**WON, **change, "email": "ann@acme.example"})["(record)"] == message


def test_a_loss_reason_is_kept_as_written_and_a_lost_lead_never_screened_was_invalid():
    row = {**LEAD, "state": "lost", "created_at": "2025-01-02", "closed_at": "2025-01-04"}
    _lead, past, errors = read_past({**row, "loss_reason": "the buyer retired"}, get_rules(), NOW)
    assert errors == {} and past is not None
    assert past.loss_reason == "the buyer retired" and past.screened is False


def test_an_unknown_state_and_a_bad_activity_channel_are_named():
    assert "state" in _errors(**{**WON, "state": "archived"})
    activity = {"lead": "A-1", "at": "2025-01-02T10:00", "channel": "fax", "key_points": "x"}
    assert set(read_activity(activity)[1]) == {"channel"}
