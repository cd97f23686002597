"""Input and output shapes at the edges (CLI, API, files): pydantic, never ORM rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from leadflow.rules.vocab import BudgetMatch, Channel, CompanySize, ContactRole

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Person = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999"), max_digits=14,
                                  decimal_places=2)]


class LeadIn(BaseModel):
    """A lead as a sender posts it (spec §1 field names)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: Channel
    company_name: Name
    contact_name: Person
    phone: Annotated[str, StringConstraints(max_length=50)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    need: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    source_detail: Annotated[str, StringConstraints(max_length=300)] | None = None
    industry: Place | None = None
    company_size: CompanySize | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    annual_revenue: Amount | None = None
    region: Place | None = None
    contact_title: Short | None = None
    contact_role: ContactRole | None = None
    budget_min: Amount | None = None
    budget_max: Amount | None = None
    budget_match: BudgetMatch | None = None
    timeline: dt.date | None = None
    tags: Annotated[list[Annotated[str, StringConstraints(max_length=60)]],
                    Field(max_length=30)] = []
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    decision_chain_notes: Annotated[str, StringConstraints(max_length=5000)] | None = None
    internal_notes: Annotated[str, StringConstraints(max_length=5000)] | None = None

    @model_validator(mode="after")
    def _contact_and_budget(self) -> LeadIn:
        if not self.phone and not self.email:
            raise ValueError("phone or email: at least one is required")
        if (self.budget_min is not None and self.budget_max is not None
                and self.budget_min > self.budget_max):
            raise ValueError("budget_min is above budget_max")
        return self


LEAD_FIELDS = tuple(LeadIn.model_fields)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One message per field, keyed by the field's dotted path ('(record)' for cross-field)."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(record)"
        msg = err["msg"].removeprefix("Value error, ")
        errors.setdefault(key, msg)
    return errors


class ImportSummary(BaseModel):
    """What an import did: counts, and every rejected row with its field errors."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    lead_ids: list[int] = []
    duplicate_of: dict[int, int] = {}  # row number -> existing lead id
    rejections: list[dict[str, Any]] = []
