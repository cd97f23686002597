"""Domain errors: each says what was refused and why, in words a user can act on."""

from __future__ import annotations

from leadflow.phrases import N_

# A value the database refused: longer than its column, or a number out of range.
DOES_NOT_FIT = N_(
    "a value does not fit where it is stored (too long, or a number out of "
    "range); nothing was saved: shorten or correct it and retry"
)


class LeadFlowError(Exception):
    """Base of every error LeadFlow reports to a user (no traceback needed)."""


class NotFound(LeadFlowError):
    """A lead, rep or record that does not exist."""


class InvalidInput(LeadFlowError):
    """Input that fails validation; `errors` maps field to message."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class Rejected(InvalidInput):
    """Input refused and kept in quarantine; the answer names the quarantine record."""

    def __init__(self, message: str, errors: dict[str, str], quarantine_id: int | None) -> None:
        super().__init__(message, errors)
        self.quarantine_id = quarantine_id


class Forbidden(LeadFlowError):
    """An action the caller's role may not take (a sensitive field, another rep's lead)."""


class InUse(LeadFlowError):
    """A record that others still refer to, so it cannot be deleted."""


class IllegalTransition(LeadFlowError):
    """A trigger that the lead's current state does not allow."""

    def __init__(self, lead_id: int | None, state: str, trigger: str, allowed: list[str]) -> None:
        self.lead_id, self.state, self.trigger, self.allowed = lead_id, state, trigger, allowed
        super().__init__(
            N_(
                "lead {lead}: cannot {trigger} from state {state}; allowed: {allowed}",
                lead=lead_id,
                trigger=repr(trigger),
                state=repr(state),
                allowed=", ".join(allowed) or N_("none (final state)"),
            )
        )


class GuardRefused(LeadFlowError):
    """A legal trigger whose business condition does not hold (reason, criteria, approval)."""

    def __init__(self, lead_id: int | None, trigger: str, why: str) -> None:
        self.lead_id, self.trigger, self.why = lead_id, trigger, why
        super().__init__(
            N_(
                "lead {lead}: {trigger} refused: {why}",
                lead=lead_id,
                trigger=repr(trigger),
                why=why,
            )
        )


class VersionConflict(LeadFlowError):
    """Another writer changed the lead first; nothing of this change was saved."""

    def __init__(self, detail: str = "", lead_id: int | None = None) -> None:
        self.lead_id = lead_id
        if lead_id is None:
            said = N_(
                "the lead was changed by someone else at the same time; nothing was saved: "
                "reload it and retry"
            )
        else:
            said = N_(
                "lead {lead} was changed by someone else at the same time; nothing was "
                "saved: reload it and retry",
                lead=lead_id,
            )
        super().__init__(N_("{said} ({detail})", said=said, detail=detail) if detail else said)


class Unwritable(LeadFlowError):
    """A stored value an output cannot hold: names the lead, the field and the problem,
    never the value (issue 30: openpyxl's message quoted it into logs and alerts)."""
