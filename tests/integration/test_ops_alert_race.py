"""Two alerts of one incident at once (two ops-alert runs of the served automations,
seen in the served test) tell ops once: the alert the outbox's unique key refuses finds
the other's notice kept and does not send its own directly."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator

import pytest

from leadflow.notify.ops import enqueue_ops_notice
from leadflow.notify.outbox import deliver_outbox
from leadflow.ops.alerts import alert_ops
from leadflow.settings import get_settings
from leadflow.store.db import session_factory
from leadflow.store.uow import UnitOfWork

OPS = "ops@example.com"
AT = dt.datetime(2026, 12, 7, 5, 36, tzinfo=dt.UTC)


@pytest.fixture
def ops_channel(mailbox, monkeypatch) -> Iterator[list[str]]:
    channels = [f"mailto://127.0.0.1:{mailbox.port}?from=leadflow@localhost&to={OPS}"]
    monkeypatch.setenv("LEADFLOW_OPS_NOTIFY_URLS", json.dumps(channels))
    get_settings.cache_clear()
    yield channels
    get_settings.cache_clear()


def test_two_alerts_of_one_incident_at_once_tell_ops_once(db_url, mailbox, ops_channel):
    incident, subject = "quiet:send-notifications:run-1", "LeadFlow: send-notifications is quiet"
    first = UnitOfWork(session_factory(db_url), actor="ops")
    with first:
        # The first alert has written its notice and not yet committed when the second
        # looks for it, finds nothing, and writes the same key.
        enqueue_ops_notice(first.session, incident, subject, "body", ops_channel, AT)
        first.session.flush()
        second = threading.Thread(target=alert_ops, args=(incident, subject, "body", db_url))
        second.start()
        time.sleep(1.0)
        first.commit()
    second.join(timeout=60)
    assert not second.is_alive()
    deliver_outbox(db_url, AT, kind="ops")  # the first alert delivers what it kept

    assert [str(m["Subject"]) for m in mailbox.to(OPS)] == [subject]
