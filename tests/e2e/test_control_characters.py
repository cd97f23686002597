"""Issue 30 item 2: control characters are refused at the API and the CLI, naming the field
and never the value; a value stored before they were (an older version's) is still written
to the lead export (XLSX, CSV) and the review (XLSX, HTML)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from leadflow.bootstrap import unit_of_work
from leadflow.review.period import Period
from leadflow.store.models import Lead
from tests import factories as f
from tests.e2e.api_harness import Api, ok, running_api
from tests.e2e.cli_harness import run, run_json

SECRET = "Secret\x0bCorp"  # the probe's company name
SHOWN = "Secret\\x0bCorp"  # what every output writes for it


@pytest.fixture
def sqlite_api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url) as running:
        yield running


def test_the_api_refuses_a_control_character_naming_the_field(sqlite_api):
    system = sqlite_api.as_role("system")  # the web form's key, as in the probe
    out = ok(system.post("/leads", json=f.lead_record(company_name=SECRET)), 422)
    assert list(out["errors"]) == ["company_name"] and "U+000B" in out["errors"]["company_name"]
    assert "Secret" not in json.dumps({k: v for k, v in out.items() if k != "quarantine_id"})
    batch = {"leads": [f.lead_record(), f.lead_record(need="a\x1b[2Jb")]}
    created, rejected = ok(system.post("/leads/batch", json=batch), 207)["results"]
    assert created["status"] == "created" and list(rejected["errors"]) == ["need"]
    manager = sqlite_api.as_role("manager")
    body = {"channel": "phone", "key_points": f"called\n{SECRET}"}  # a line break is kept
    out = ok(manager.post(f"/leads/{created['id']}/activities", json=body), 422)
    assert list(out["errors"]) == ["key_points"] and "Secret" not in json.dumps(out)


def test_the_cli_refuses_a_control_character_and_logs_no_value(env, tmp_path: Path):
    r = f.lead_record()
    args = ["leads", "add", "--source", "website_form", "--contact", r["contact_name"]]
    args += ["--need", "crm", "--email", r["email"], "--no-process", "--company"]
    refused = run([*args, SECRET], env, ok=False)
    assert "--company: contains the control character U+000B" in refused.stderr
    lead_id = run_json([*args, "Plain Co"], env)["id"]
    edit = run(["leads", "update", str(lead_id), "--set", f"contact_name=Jo{SECRET}"], env, False)
    assert "--set: contains the control character U+000B" in edit.stderr
    logged = run(
        ["leads", "log", str(lead_id), "--channel", "phone", "--points", SECRET], env, False
    )
    assert "--points: contains the control character U+000B" in logged.stderr
    log = tmp_path / "errors.log"
    shown = "".join(p.stdout + p.stderr for p in (refused, edit, logged))
    assert "Secret" not in shown + (log.read_text() if log.exists() else "")


def test_every_text_a_command_takes_is_refused_with_a_control_character(env):
    """Minutes, a team's name, an objection: every CLI entry, not only the lead's fields,
    refuses the character, naming the option or the argument's place, and stores nothing."""
    lead_id = run_json(["leads", "add", *_person(), "--company", "Plain Co"], env)["id"]
    cases = [
        ["teams", "add", "--name", SECRET, "--manager", "M", "--manager-email", "m@x.example"],
        ["leads", "minutes", str(lead_id), "--agreed", SECRET, "--confirmed-by", "Wang"],
        ["leads", "object", str(lead_id), "--kind", "price", f"--detail={SECRET}"],
        ["leads", "add", SECRET],
    ]
    named = ["--name", "--agreed", "--detail", "argument 3"]
    for args, name in zip(cases, named, strict=True):
        refused = run(args, env, ok=False)
        assert refused.returncode == 2
        assert refused.stderr.startswith(f"error: {name}: contains the control character U+000B")
        assert "Secret" not in refused.stdout + refused.stderr
    assert [t["name"] for t in run_json(["teams", "list"], env)] == []
    assert run_json(["leads", "show", str(lead_id)], env)["state"] == "new"


def _person() -> list[str]:
    r = f.lead_record()
    return ["--source", "website_form", "--contact", r["contact_name"], "--need", "crm"] + [
        "--email",
        r["email"],
        "--no-process",
    ]


def test_a_legacy_value_is_written_to_every_output(env, tmp_path: Path):
    r = f.lead_record()
    args = ["leads", "add", "--source", "website_form", "--company", "Plain Co", "--json"]
    args += ["--contact", r["contact_name"], "--need", "crm", "--email", r["email"]]
    lead_id = json.loads(run(args, env).stdout)["id"]
    # Legacy data only: a value an older version stored, before entries refused it.
    with unit_of_work(url=env["LEADFLOW_DATABASE_URL"]) as uow:
        uow.session.execute(update(Lead).where(Lead.id == lead_id).values(company_name=SECRET))
        created = uow.session.get_one(Lead, lead_id).created_at
        uow.commit()

    for fmt in ("xlsx", "csv"):
        path = tmp_path / f"leads.{fmt}"
        assert run_json(["leads", "export", "--format", fmt, "--out", str(path)], env)["leads"]
    rows = list(load_workbook(tmp_path / "leads.xlsx")["Leads"].values)
    assert SHOWN in [row[rows[0].index("company_name")] for row in rows]
    with (tmp_path / "leads.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert SHOWN in [row["company_name"] for row in csv.DictReader(handle)]

    period = Period.containing(created, "month").label
    for fmt in ("xlsx", "html"):
        out = tmp_path / f"review.{fmt}"
        run(["report", "review", "--period", period, "--format", fmt, "--out", str(out)], env)
    register = load_workbook(tmp_path / "review.xlsx")["Lead register"]
    assert SHOWN in [cell.value for row in register.iter_rows() for cell in row]
    assert "\x0b" not in (tmp_path / "review.html").read_text()
