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


def notice_key(failure: RunFailure, channel: str) -> str:
    """One notice per run and channel (the channel hashed: URLs can carry tokens)."""
    digest = hashlib.sha256(channel.encode()).hexdigest()[:16]
    return f"run-failed:{failure.run_id}:{digest}"


def enqueue_run_failure(
    session: Session, failure: RunFailure, channels: list[str], now: dt.datetime
) -> None:
    """Write the notice to the outbox once per ops channel (apprise URLs); a notice
    already written for the run and channel is left as it is."""
    for channel in channels:
        key = notice_key(failure, channel)
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue
        enqueue(
            session,
            key=key,
            kind=KIND,
            lead_id=None,
            recipient=channel,
            subject=failure.subject(),
            body=failure.body(),
            now=now,
        )
