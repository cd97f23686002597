"""Issue 30: "`leads show` writes raw terminal escape sequences from lead data." What the
CLI prints for people shows a control sequence as its escape, never runs it; --json was
always safe (JSON escapes control characters)."""

from __future__ import annotations

import json

from tests import factories as f
from tests.e2e.cli_harness import run

HOSTILE = "Acme\x1b[2J\x1b]0;owned\x07 \u202eLtd"


def test_lead_data_cannot_drive_the_terminal(env):
    r = f.lead_record()
    args = ["leads", "add", "--source", "website_form", "--company", "Plain Co"]
    args += ["--contact", r["contact_name"], "--need", HOSTILE, "--email", r["email"]]
    lead_id = json.loads(run([*args, "--json", "--no-process"], env).stdout)["id"]
    for command in (["leads", "show", str(lead_id)], ["leads", "list"]):
        shown = run(command, env).stdout
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    shown = run(["leads", "show", str(lead_id)], env).stdout
    assert "Acme\\x1b[2J\\x1b]0;owned\\x07 \\u202eLtd" in shown
