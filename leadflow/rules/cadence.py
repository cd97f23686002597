"""When a scheduled deployment is overdue: no completed run within twice its interval, or
none since its last cron time (after a grace for the run itself).

The clock is always passed in; nothing here reads the time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from cronsim import CronSim
from pydantic import BaseModel, ConfigDict, model_validator

from leadflow.phrases import N_

INTERVALS_ALLOWED = 2  # an interval deployment is overdue after twice its interval


class Cadence(BaseModel):
    """How often a deployment runs: every `every_seconds`, or at the times of `cron` read
    in `timezone`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    every_seconds: int | None = None
    cron: str | None = None
    timezone: str = "UTC"

    @model_validator(mode="after")
    def _one_kind(self) -> Cadence:
        if (self.every_seconds is None) == (self.cron is None):
            raise ValueError(N_("a cadence is either every_seconds or cron"))
        return self

    def describe(self) -> str:
        """'every 60 s' or 'cron 0 5 * * 1 (UTC)'."""
        if self.every_seconds is not None:
            return f"every {self.every_seconds} s"
        return f"cron {self.cron} ({self.timezone})"


class Verdict(BaseModel):
    """Whether a deployment is overdue, the time a completed run was due by, and why."""

    overdue: bool
    due_by: dt.datetime
    reason: str


def last_cron_time(cron: str, timezone: str, at: dt.datetime) -> dt.datetime:
    """The latest time at or before `at` that `cron` (read in `timezone`) names, in UTC."""
    local = at.astimezone(ZoneInfo(timezone)).replace(microsecond=0)
    # CronSim counts strictly before its start when reversed: start a second later.
    fired = next(CronSim(cron, local + dt.timedelta(seconds=1), reverse=True))
    return fired.astimezone(dt.UTC)


def check_overdue(
    cadence: Cadence,
    last_completed: dt.datetime | None,
    deployed: dt.datetime,
    served_since: dt.datetime,
    now: dt.datetime,
    grace: dt.timedelta = dt.timedelta(0),
) -> Verdict:
    """Judge one deployment at `now`. `last_completed` is the end of its last completed run
    (None: never), `deployed` when it was first deployed (nothing was due before),
    `served_since` when it was last (re)deployed, `grace` how long a cron run may take.

    An interval deployment is a sweeper: it owes nothing for time it was not served (its
    first run comes an interval after a restart). A cron time missed while nothing served
    the deployment is still owed, until a run completes."""
    if last_completed is not None:
        seen = f"last completed {_at(last_completed)}"
    else:
        seen = f"no completed run since it was deployed at {_at(deployed)}"
    if cadence.every_seconds is not None:
        reference = max(last_completed or deployed, served_since)
        due_by = reference + INTERVALS_ALLOWED * dt.timedelta(seconds=cadence.every_seconds)
        overdue = now > due_by
        then = "none by" if overdue else "the next is due by"
        return Verdict(
            overdue=overdue,
            due_by=due_by,
            reason=f"{seen}; runs {cadence.describe()}: {then} {_at(due_by)}",
        )
    assert cadence.cron is not None
    fired = last_cron_time(cadence.cron, cadence.timezone, now - grace)
    overdue = fired > (last_completed or deployed)
    then = f"the run due at {_at(fired)} has not completed" if overdue else f"last due {_at(fired)}"
    return Verdict(
        overdue=overdue,
        due_by=fired + grace,
        reason=f"{seen}; runs at {cadence.describe()}: {then}",
    )


def _at(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
