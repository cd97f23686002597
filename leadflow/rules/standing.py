"""Whether a lead stands as valid (spec §2, §3): screening's verdict, unless the lead was
disqualified (then it stays invalid until a sales manager reinstates it) or reinstated
(then the manager's decision stands, whatever screening says of its later facts). A
disqualified lead is not graded."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from leadflow.rules.explain import REINSTATED_BY, REINSTATED_BY_ON, WOULD_FAIL
from leadflow.rules.screening import BantResult
from leadflow.rules.vocab import LossReason, State

REINSTATED = "reinstated"  # the manager's decision, as `invalid_review` records it


class ReviewFacts(BaseModel):
    """What the lead's record says about its disqualification and a manager's review."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    state: State
    loss_reason: LossReason | None = None
    duplicate_of_id: int | None = None
    invalid_review: str | None = None
    invalid_reviewed_by: str | None = None
    invalid_reviewed_at: dt.datetime | None = None

    @property
    def disqualified(self) -> bool:
        """Lost as invalid (at screening, as a duplicate, or by a rep's `lose invalid`)."""
        return self.state == State.lost and self.loss_reason == LossReason.invalid

    @property
    def reinstated(self) -> bool:
        """A manager's reinstatement is in force: it is not lost as invalid since."""
        return self.invalid_review == REINSTATED and not self.disqualified


class Standing(StrEnum):
    """Where the lead stands with screening."""

    screening = "screening"  # screening's verdict decides (valid or not)
    disqualified = "disqualified"  # lost as invalid, and screening still fails
    passes_now = "passes_now"  # lost as invalid, but its facts pass now: offer reinstatement
    reinstated = "reinstated"  # a manager's decision overrides screening


class Verdict(BaseModel):
    """The lead's standing, whether it counts as valid and is graded, and what a manager
    should read about it."""

    model_config = ConfigDict(frozen=True)

    standing: Standing
    valid: bool
    graded: bool
    note: str | None = None


def verdict(bant: BantResult, review: ReviewFacts) -> Verdict:
    """A reinstated lead is valid and graded, whatever screening says (the note says what
    it says); a disqualified lead is invalid and not graded, even when its facts pass now
    (a manager may reinstate it; a duplicate is not offered); a `new` lead that fails
    screening is about to be disqualified: not graded either. Any other lead: screening
    decides whether it is valid, and it is graded."""
    if review.reinstated:
        who, when = review.invalid_reviewed_by, review.invalid_reviewed_at
        decision = (
            REINSTATED_BY_ON.format(who=who, day=when.date().isoformat())
            if when
            else REINSTATED_BY.format(who=who)
        )
        note = decision if bant.valid else WOULD_FAIL.format(reason=bant.reason, decision=decision)
        return Verdict(standing=Standing.reinstated, valid=True, graded=True, note=note)
    if review.disqualified:
        if bant.valid and review.duplicate_of_id is None:
            return Verdict(
                standing=Standing.passes_now,
                valid=False,
                graded=False,
                note="passes screening now",
            )
        return Verdict(standing=Standing.disqualified, valid=False, graded=False)
    graded = bant.valid or review.state != State.new
    return Verdict(standing=Standing.screening, valid=bant.valid, graded=graded)
