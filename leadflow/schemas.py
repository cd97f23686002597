"""Input and output shapes at the edges (CLI, API, files): pydantic, never ORM rows."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from leadflow.amounts import Amount
from leadflow.errors import InvalidInput
from leadflow.intake.channels import CHANNEL_VALUES, channel_words
from leadflow.phrases import N_, listed
from leadflow.rules.text import control_problem
from leadflow.rules.vocab import BehaviourKind, BudgetMatch, Channel, CompanySize, ContactRole
from leadflow.rules.written_record import INTAKE, TODAY, TYPED, read_written
from leadflow.validation_words import error_text

# Every id and integer column holds a signed 64-bit integer on both backends (SQLite's
# INTEGER; PostgreSQL's BIGINT since migration 0010), so one range serves every id.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID, description="An id (1 to 2^63-1)")]
Count = Annotated[int, Field(ge=0, le=MAX_ID)]

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Person = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _not_a_number(value: Any) -> Any:
    """Refuse a number given as a time: pydantic would read 0.5 as half a second after
    1970, and no person or system means that (issue 30: `at=0.5` was accepted)."""
    if isinstance(value, bool | int | float | Decimal) or (
        isinstance(value, str) and _NUMBER.fullmatch(value.strip())
    ):
        raise ValueError(
            N_("a time is ISO 8601 with its zone (2026-10-01T09:00:00+08:00), not a number")
        )
    return value


# A moment given at an edge: ISO 8601 with a zone, never a number of seconds.
Moment = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]
# A yes/no in a JSON body is true or false, not "yes", 1 or "on"; a share is a number,
# never false (issue 30: `close_rate: false` was accepted as 0).
Flag = Annotated[bool, Strict()]
Share = Annotated[float, Strict(), Field(ge=0, le=1)]


EVENT_SEPARATORS = (";", "|")
MAX_EVENTS = 200  # per record: a marketing system's history, not a flood


class EventIn(BaseModel):
    """A behaviour event a marketing system sends with the lead (spec §4)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: BehaviourKind
    at: Moment
    detail: Annotated[str, StringConstraints(max_length=500)] | None = None

    @field_validator("detail", mode="after")
    @classmethod
    def _lines(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value if _stored(info) else refuse_controls(value, lines=True)


def refuse_controls(value: Any, lines: bool) -> Any:
    """`value` (a text, or a list or mapping of texts) unchanged, or ValueError naming the
    control character it holds (rules/text.py), never the text."""
    texts = value if isinstance(value, list) else [value]
    texts = [*value.values()] if isinstance(value, dict) else texts
    for text in texts:
        if isinstance(text, str) and (problem := control_problem(text, lines)):
            raise ValueError(problem)
    return value


# Validation context of LeadIn: STORED (True) reads a stored lead back (a merge), which
# keeps the text an older version stored.
STORED = "stored"
NEED_OPTIONAL = "need_optional"  # context: a record without a need is kept to complete
NO_CONTACT = "no_contact"  # context: a closed deal of a CRM's history, kept without one


def _stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get(STORED))


def _need_optional(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get(NEED_OPTIONAL))


def parse_events(value: Any) -> Any:
    """The CSV cell form `webinar@2026-03-01T10:00Z; download@2026-03-02T09:00Z` as a list
    of events; any other value is left for validation."""
    if not isinstance(value, str):
        return value
    sep = next((s for s in EVENT_SEPARATORS if s in value), EVENT_SEPARATORS[0])
    events = []
    for part in filter(None, (p.strip() for p in value.split(sep))):
        kind, at_sign, at = part.partition("@")
        if not at_sign:
            raise ValueError(
                N_("{part!r}: expected kind@time, e.g. webinar@2026-03-01T10:00Z", part=part)
            )
        events.append({"kind": kind.strip(), "at": at.strip()})
    return events


def naive_is_utc(value: Any) -> Any:
    """A sheet's time without a zone (a register's 录入时间, a CRM's dates) read as UTC."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value  # refused, naming the field
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


class LeadIn(BaseModel):
    """A lead as a sender posts it (spec §1 field names)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: Annotated[
        Channel,
        Field(
            description="The channel, or a channel word of config/import_mapping.yaml "
            "(客户转介绍 is referral; simplified or traditional), kept as the detail"
        ),
    ]
    # An individual customer has no company: the name is then optional (spec §1).
    customer_type: Literal["company", "individual"] = "company"
    company_name: Name | None = Field(None, validate_default=True)
    contact_name: Person
    phone: Annotated[str, StringConstraints(max_length=50)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    # Required, unless the team keeps a record without one for a person to complete
    # (data_quality.need_required: false; a HubSpot contact has no such field). The
    # schema keeps the default's minLength: _need_given checks it, by the setting.
    need: Annotated[
        str, StringConstraints(max_length=5000), Field(json_schema_extra={"minLength": 1})
    ]
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
    # The budget as written ("50-80万", "100万以上"): read into budget_min / budget_max.
    budget: Annotated[str, StringConstraints(max_length=200)] | None = None
    # Who entered the lead and when, as a register says (录入人, 录入时间); entered_by
    # defaults to whoever stores it, entered_at to when it is stored.
    entered_by: Short | None = None
    entered_at: Moment | None = None
    # What a person should confirm: a budget or time that could not be read, or that was
    # read from the need (field -> the words as written).
    to_confirm: dict[str, Annotated[str, StringConstraints(max_length=300)]] = Field(
        default_factory=dict
    )
    tags: Annotated[
        list[Annotated[str, StringConstraints(max_length=60)]], Field(max_length=30)
    ] = []
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    decision_chain_notes: Annotated[str, StringConstraints(max_length=5000)] | None = None
    internal_notes: Annotated[str, StringConstraints(max_length=5000)] | None = None
    events: Annotated[list[EventIn], Field(max_length=MAX_EVENTS)] = []

    @model_validator(mode="before")
    @classmethod
    def _channel_word(cls, data: Any) -> Any:
        # "客户转介绍" is referral, kept as the detail (spec §1 channels; the words are
        # config/import_mapping.yaml's). A channel's own name costs one set lookup.
        if not isinstance(data, dict):
            return data
        source = data.get("source")
        if not isinstance(source, str) or source in CHANNEL_VALUES:
            return data
        data = dict(data)
        channel_words().read_into(data)
        return data

    @field_validator("source", mode="before")
    @classmethod
    def _known_channel(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in CHANNEL_VALUES:
            raise ValueError(channel_words().refusal(value))
        return value

    @model_validator(mode="before")
    @classmethod
    def _need_to_complete(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and data.get("need") is None and _need_optional(info):
            return {**data, "need": ""}
        return data

    @field_validator("need", mode="after")
    @classmethod
    def _need_given(cls, value: str, info: ValidationInfo) -> str:
        if not value and not (_need_optional(info) or _stored(info)):
            raise ValueError(N_("required: what the customer needs (data_quality.need_required)"))
        return value

    @field_validator("company_name", mode="after")
    @classmethod
    def _company_unless_individual(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("customer_type", "company") == "company":
            raise ValueError(
                N_("required for a company customer (customer_type: individual makes it optional)")
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _as_written(cls, data: Any, info: ValidationInfo) -> Any:
        return read_written(data, info.context) if isinstance(data, dict) else data

    @field_validator("entered_at", mode="before")
    @classmethod
    def _naive_is_utc(cls, value: Any) -> Any:
        return naive_is_utc(value)

    @field_validator("events", mode="before")
    @classmethod
    def _events_cell(cls, value: Any) -> Any:
        return parse_events(value)

    # The text fields only: a validator on every field cost a call per field per record.
    @field_validator(
        "company_name",
        "contact_name",
        "phone",
        "email",
        "source_detail",
        "industry",
        "region",
        "contact_title",
        "budget",
        "entered_by",
        "tags",
        "external_id",
        mode="after",
    )
    @classmethod
    def _one_line(cls, value: Any, info: ValidationInfo) -> Any:
        # Refused here, naming the field: PostgreSQL cannot hold NUL, a workbook cannot
        # hold \x0b, a terminal runs ESC (issue 30). A stored lead read back is not
        # refused what an older version let in: the outputs escape it.
        return value if _stored(info) else refuse_controls(value, lines=False)

    @field_validator("need", "decision_chain_notes", "internal_notes", "to_confirm", mode="after")
    @classmethod
    def _lines(cls, value: Any, info: ValidationInfo) -> Any:
        return value if _stored(info) else refuse_controls(value, lines=True)

    @model_validator(mode="after")
    def _contact_and_budget(self, info: ValidationInfo) -> LeadIn:
        # A closed deal from a CRM's history needs no way to reach it (docs/rules.md).
        reachable = not (info.context and info.context.get(NO_CONTACT))
        if reachable and not self.phone and not self.email:
            raise ValueError(N_("phone or email: at least one is required"))
        if (
            self.budget_min is not None
            and self.budget_max is not None
            and self.budget_min > self.budget_max
        ):
            raise ValueError(N_("budget_min is above budget_max"))
        return self


def read_lead(
    raw: Any,
    received_at: dt.datetime,
    typed: bool = False,
    need_required: bool = True,
    contact_required: bool = True,
) -> LeadIn:
    """A record as intake reads it: relative times count from the day it was received,
    and what cannot be read is kept for a person to confirm. A `typed` record (a JSON
    body) gives its amounts as the OpenAPI declares them; only `budget` is read as written.
    Without `need_required`, a record with no need is kept for a person to complete."""
    context = {
        TODAY: received_at.date(),
        INTAKE: True,
        TYPED: typed,
        NEED_OPTIONAL: not need_required,
        NO_CONTACT: not contact_required,
    }
    return LeadIn.model_validate(raw, context=context)


LEAD_FIELDS = tuple(LeadIn.model_fields)
# What a record carries beside the lead's own columns, and the fields that are columns.
NOT_COLUMNS = frozenset({"events", "budget"})
LEAD_COLUMNS = tuple(f for f in LEAD_FIELDS if f not in NOT_COLUMNS)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One message per field, keyed by the field's dotted path ('(record)' for cross-field)."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(record)"
        errors.setdefault(key, error_text(err))
    return errors


def validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """`data` as `model`, or InvalidInput naming each field that is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc)
        raise InvalidInput(listed(errors), errors) from None


class DuplicateKeys(ValueError):
    """A JSON object that names a key twice: which value was meant is unknowable."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        super().__init__(f"duplicate key(s) in one JSON object: {', '.join(keys)}")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    twice = []
    for key, value in pairs:
        if key in seen:
            twice.append(key)
        seen[key] = value
    if twice:
        raise DuplicateKeys(list(dict.fromkeys(twice)))
    return seen


def loads_strict(text: str | bytes) -> Any:
    """json.loads that refuses duplicate keys (DuplicateKeys) and NaN/Infinity (ValueError)."""

    def no_constant(name: str) -> Any:
        raise ValueError(N_("{name} is not valid JSON", name=name))

    return json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=no_constant)


def duplicate_key_errors(exc: DuplicateKeys) -> dict[str, str]:
    """Field errors naming each key given twice."""
    return {k: "given more than once in the same JSON object" for k in exc.keys}


class ImportSummary(BaseModel):
    """What an import did: counts, and every rejected row with its field errors."""

    accepted: int = 0
    duplicates: int = 0  # merged into a lead of this batch or a stored one
    reactivated: int = 0  # lost leads a duplicate brought back
    assigned: int = 0  # of those, the ones given an owner (not a manager queue)
    rejected: int = 0
    lead_ids: list[int] = []
    duplicate_of: dict[int, int] = {}  # row number -> existing lead id
    rejections: list[dict[str, Any]] = []
