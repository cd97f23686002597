"""Telling ops that a flow run failed or crashed: one outbox message per run and channel.

The dedupe key (run id and channel) makes the notice exist once however often the hook
that writes it runs; the outbox then delivers it once."""

from __future__ import annotations

import datetime as dt
import hashlib

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.i18n import gettext as _
from leadflow.notify.messages import enqueue
from leadflow.store.outbound_models import OutboxMessage

KIND = "ops"


class RunFailure(BaseModel):
    """A flow run that ended Failed or Crashed, as ops are told about it."""

    flow: str
    run_name: str
    run_id: str
    state: str  # Failed | Crashed
    error: str  # its first line
    link: str | None  # the run in the Prefect UI, when a UI is configured

    @classmethod
    def of(
        cls,
        flow: str,
        run_name: str,
        run_id: str,
        state: str,
        message: str | None,
        ui_url: str | None,
    ) -> RunFailure:
        """From what Prefect's state hook is given; the error cut to its first line."""
        first = next(
            (line.strip() for line in (message or "").splitlines() if line.strip()), "no message"
        )
        link = f"{ui_url.rstrip('/')}/runs/flow-run/{run_id}" if ui_url else None
        return cls(flow=flow, run_name=run_name, run_id=run_id, state=state, error=first, link=link)

    def subject(self) -> str:
        """One line: which flow, which run, what happened."""
        return _("LeadFlow: {flow} run {run} {state}").format(
            flow=self.flow, run=self.run_name, state=self.state.lower()
        )

    def body(self) -> str:
        """The notice: flow, run, error's first line, link."""
        where = self.link or _("run id {id} (no Prefect UI is configured)").format(id=self.run_id)
        return _(
            "Flow: {flow}\nRun: {run}\nState: {state}\nError: {error}\nIn the UI: {where}\n"
        ).format(flow=self.flow, run=self.run_name, state=self.state, error=self.error, where=where)


class QuietFlow(BaseModel):
    """A deployment with no completed run within its expected time, as ops are told."""

    deployment: str
    expected_seconds: int  # the time within which a completed run was due
    last_completed: dt.datetime | None  # when its last run completed, None: never
    last_run_id: str | None
    since: dt.datetime  # the last completion, or when the deployment was registered

    def is_quiet(self, now: dt.datetime) -> bool:
        """Whether the silence is real: no completion within the expected time. Prefect's
        proactive trigger may fire early while a completion event is still on its way."""
        return (now - self.since).total_seconds() >= self.expected_seconds

    def incident(self) -> str:
        """One incident per silence: it ends with the next completed run."""
        return f"quiet:{self.deployment}:{self.last_run_id or 'never'}"

    def subject(self) -> str:
        """One line: which deployment has gone quiet."""
        return _("LeadFlow: {deployment} has not completed a run in time").format(
            deployment=self.deployment
        )

    def body(self) -> str:
        """The notice: deployment, what was expected, when it last completed."""
        return _(
            "Deployment: {deployment}\nExpected: a completed run within {minutes} minutes\n"
            "Last completed run: {last}\n"
            "Check `leadflow status` and the server log; is `leadflow serve` running?\n"
        ).format(
            deployment=self.deployment,
            minutes=round(self.expected_seconds / 60, 1),
            last=self.last_completed.isoformat(timespec="seconds")
            if self.last_completed
            else _("never"),
        )


def notice_key(incident: str, channel: str) -> str:
    """One notice per incident and channel (the channel hashed: URLs can carry tokens)."""
    digest = hashlib.sha256(channel.encode()).hexdigest()[:16]
    return f"{incident}:{digest}"


def run_incident(failure: RunFailure) -> str:
    """A failed or crashed run is its own incident."""
    return f"run-failed:{failure.run_id}"


def enqueue_ops_notice(
    session: Session, incident: str, subject: str, body: str, channels: list[str], now: dt.datetime
) -> None:
    """Write the notice to the outbox once per ops channel (apprise URLs); a notice
    already written for the incident and channel is left as it is."""
    for channel in channels:
        key = notice_key(incident, channel)
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue
        enqueue(
            session,
            key=key,
            kind=KIND,
            lead_id=None,
            recipient=channel,
            subject=subject,
            body=body,
            now=now,
        )
