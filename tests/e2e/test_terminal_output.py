"""Issue 30: "`leads show` writes raw terminal escape sequences from lead data." What the
CLI prints for people shows a control sequence as its escape, never runs it; --json was
always safe (JSON escapes control characters). Entries now refuse control characters, so
the value shown here is one stored before they did (written with the ORM to simulate it)."""

from __future__ import annotations

import json

from sqlalchemy import update

from leadflow.bootstrap import unit_of_work
from leadflow.store.models import Lead
from tests import factories as f
from tests.e2e.cli_harness import run

HOSTILE = "Acme\x1b[2J\x1b]0;owned\x07 \u202eLtd"


def test_lead_data_cannot_drive_the_terminal(env):
    r = f.lead_record()
    args = ["leads", "add", "--source", "website_form", "--company", "Plain Co"]
    args += ["--contact", r["contact_name"], "--email", r["email"], "--need"]
    refused = run([*args, HOSTILE, "--no-process"], env, ok=False)
    assert "need: contains the control character U+001B" in refused.stderr
    lead_id = json.loads(run([*args, "crm", "--json", "--no-process"], env).stdout)["id"]
    # Legacy data only: a need stored before entries refused control characters.
    with unit_of_work(url=env["LEADFLOW_DATABASE_URL"]) as uow:
        uow.session.execute(update(Lead).where(Lead.id == lead_id).values(need=HOSTILE))
        uow.commit()
    for command in (["leads", "show", str(lead_id)], ["leads", "list"]):
        shown = run(command, env).stdout
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    shown = run(["leads", "show", str(lead_id)], env).stdout
    assert "Acme\\x1b[2J\\x1b]0;owned\\x07 \\u202eLtd" in shown
