"""Request shapes of the daily operations on one lead: win with the contract, answer an
objection, edit facts, assign, review a disqualified lead, submit a plan."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, create_model

from leadflow.api.schemas import Note, StrictIn, Text
from leadflow.lifecycle.contract import ContractIn
from leadflow.lifecycle.update import EDITABLE
from leadflow.schemas import MAX_ID, LeadIn, Moment, RowId


class WinIn(StrictIn):
    """When the deal was won if earlier than now, and the contract: left out, the approved
    draft is signed; given, it must be the approved draft (or, with
    contract.approval_required false, it is recorded with the win)."""

    contract: ContractIn | None = None
    at: Moment | None = None
    reason: Note | None = None


class AnswerIn(StrictIn):
    """How an objection was answered, and when if earlier than now."""

    response: Text
    at: Moment | None = None


class AssignIn(StrictIn):
    """Who owns the lead from now on, and why."""

    rep_id: RowId
    reason: Note | None = None


class InvalidReviewIn(StrictIn):
    """A manager's decision on a disqualified lead; a reinstatement needs a reason."""

    decision: Literal["confirm", "reinstate"]
    reason: Note | None = None


# Facts a person may write as people do ("Q3", and "50-80万" as `budget`): read by the
# lead's validation. Amounts are typed (leadflow/amounts.py), as the OpenAPI says.
_WRITTEN = ("timeline",)


def _optional(name: str) -> tuple[Any, Any]:
    annotation = LeadIn.model_fields[name].annotation
    if name in _WRITTEN:
        return (annotation | str | None, None)
    return (annotation | None, None)  # type: ignore[operator]


# Every §1 field but the source and the external id, optional: only the fields sent change
# (null clears an optional one); the merged lead is validated as a whole.
LeadPatch = create_model(  # type: ignore[call-overload]
    "LeadPatch",
    __base__=StrictIn,
    __doc__="Changed facts of a lead, and the version the "
    "client last saw (409 when the lead has changed since).",
    version=(
        Annotated[int, Field(ge=1, le=MAX_ID, description="The lead's version as last read.")],
        ...,
    ),
    **{name: _optional(name) for name in EDITABLE},
)
