"""The lead register's data quality (seeds 001 and 002): which required facts a lead
lacks, and whether its facts are due for the monthly re-verification."""

from __future__ import annotations

import datetime as dt
from typing import Any

from leadflow.rules.config import DataQualityRules

# A required "budget" is met by either end of the range.
_MET_BY = {"budget": ("budget_min", "budget_max")}


def missing_fields(lead: Any, rules: DataQualityRules) -> list[str]:
    """The required fields (`data_quality.required_fields`) the lead leaves empty, in order,
    after its need when it was kept without one (`data_quality.need_required: false`)."""
    missing = ["need"] if getattr(lead, "need", None) == "" else []
    return missing + [
        name
        for name in rules.required_fields
        if all(getattr(lead, part, None) in (None, "") for part in _MET_BY.get(name, (name,)))
    ]


def reverify_due(confirmed_at: dt.datetime, rules: DataQualityRules) -> dt.datetime | None:
    """When facts last confirmed at `confirmed_at` are due to be verified again; None
    when the team does not re-verify (`data_quality.reverify_days: 0`)."""
    if rules.reverify_days == 0:
        return None
    return confirmed_at + dt.timedelta(days=rules.reverify_days)
