"""`leadflow teams add/set --timezone` as a user runs them: the zone is kept and listed, a
bad one is one line naming the field, and the rules then run on the team's clock."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from leadflow.review.period import Period
from leadflow.rules.timing import first_contact_due
from leadflow.rules.vocab import Priority
from leadflow.settings import Settings
from tests import factories as f
from tests.e2e.cli_harness import run, run_json

HOUR = dt.timedelta(hours=1)


def test_a_team_gets_its_zone_from_add_set_or_the_settings(env):
    shanghai = run_json(
        [
            "teams",
            "add",
            "--manager-email",
            "mgr@example.com",
            "--name",
            "Shanghai",
            "--region",
            "east",
            "--timezone",
            "Asia/Shanghai",
        ],
        env,
    )
    assert shanghai["timezone"] == "Asia/Shanghai"
    assert (
        run_json(["teams", "add", "--manager-email", "mgr@example.com", "--name", "London"], env)[
            "timezone"
        ]
        == "UTC"
    )
    berlin_env = {**env, "LEADFLOW_DEFAULT_TIMEZONE": "Europe/Berlin"}
    berlin = run_json(
        ["teams", "add", "--manager-email", "mgr@example.com", "--name", "Berlin"], berlin_env
    )
    assert berlin["timezone"] == "Europe/Berlin"
    moved = run_json(["teams", "set", str(berlin["id"]), "--timezone", "America/New_York"], env)
    assert (moved["id"], moved["name"], moved["timezone"]) == (
        berlin["id"],
        "Berlin",
        "America/New_York",
    )
    renamed = run_json(["teams", "set", str(berlin["id"]), "--name", "New York"], env)
    assert (renamed["name"], renamed["timezone"]) == ("New York", "America/New_York")
    zones = {t["name"]: t["timezone"] for t in run_json(["teams", "list"], env)}
    assert zones == {"Shanghai": "Asia/Shanghai", "London": "UTC", "New York": "America/New_York"}
    listing = run(["teams", "list"], env).stdout
    assert "timezone" in listing.splitlines()[0] and "Asia/Shanghai" in listing
    assert (
        "team 1 Shanghai: timezone=Asia/Shanghai"
        in run(["teams", "set", "1", "--timezone", "Asia/Shanghai"], env).stdout
    )


def test_bad_zones_and_teams_are_one_line_naming_the_field(env):
    run(["teams", "add", "--manager-email", "mgr@example.com", "--name", "East"], env)
    for args in (
        [
            "teams",
            "add",
            "--manager-email",
            "mgr@example.com",
            "--name",
            "West",
            "--timezone",
            "Asia/Shangai",
        ],
        ["teams", "set", "1", "--timezone", "Asia/Shangai"],
    ):
        err = run(args, env, ok=False).stderr.strip()
        assert err.startswith("error: timezone: 'Asia/Shangai' is not an IANA time zone"), err
        assert len(err.splitlines()) == 1
    missing = run(["teams", "set", "999", "--timezone", "UTC"], env, ok=False)
    assert "team 999 does not exist" in missing.stderr
    assert "nothing to change" in run(["teams", "set", "1"], env, ok=False).stderr
    bad_default = {**env, "LEADFLOW_DEFAULT_TIMEZONE": "Mars/Olympus_Mons"}
    err = run(
        ["teams", "add", "--manager-email", "mgr@example.com", "--name", "Mars"],
        bad_default,
        ok=False,
    ).stderr
    assert "default_timezone" in err and "not an IANA time zone" in err
    assert [t["timezone"] for t in run_json(["teams", "list"], env)] == ["UTC"]


def test_the_first_contact_deadline_and_a_reps_review_follow_the_teams_zone(env, tmp_path):
    """Rule book §6: "First contact: within the response SLA by priority", here on the
    business clock, whose hours (09:00-18:00) are the Shanghai team's own."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "rules.yaml").write_text("sla:\n  clock: business\n", encoding="utf-8")
    env = {**env, "LEADFLOW_CONFIG_DIR": str(config)}
    team = run_json(
        [
            "teams",
            "add",
            "--manager-email",
            "mgr@example.com",
            "--name",
            "Shanghai",
            "--timezone",
            "Asia/Shanghai",
        ],
        env,
    )
    rep = run_json(
        [
            "reps",
            "add",
            "--name",
            "Li",
            "--team",
            str(team["id"]),
            "--seniority",
            "senior",
            "--email",
            "li@example.com",
        ],
        env,
    )
    leads = tmp_path / "leads.jsonl"
    leads.write_text(json.dumps(f.lead_record()) + "\n", encoding="utf-8")
    run(["leads", "import", str(leads)], env)
    (lead,) = run_json(["leads", "list", "--owner", str(rep["id"])], env)
    shown = run_json(["leads", "show", str(lead["id"])], env)
    assigned = dt.datetime.fromisoformat(shown["assigned_at"])
    rules = Settings(config_dir=config).rules()
    due = first_contact_due(assigned, Priority(shown["priority"]), rules, ZoneInfo("Asia/Shanghai"))
    assert dt.datetime.fromisoformat(shown["first_contact_due"]) == due
    # The rep's review of the quarter the lead arrived in runs on Shanghai's clock.
    quarter = Period.containing(assigned, "quarter", "Asia/Shanghai").label
    review = ["report", "review", "--period", quarter, "--format", "json"]
    mine = json.loads(run([*review, "--role", "rep", "--rep", str(rep["id"])], env).stdout)
    assert (mine["timezone"], mine["total_leads"]) == ("Asia/Shanghai", 1)
    assert dt.datetime.fromisoformat(mine["start"]).utcoffset() == dt.timedelta(hours=8)
    berlin = {**env, "LEADFLOW_DEFAULT_TIMEZONE": "Europe/Berlin"}
    company = json.loads(run(review, berlin).stdout)  # the company's: the default zone
    assert company["timezone"] == "Europe/Berlin"
    assert dt.datetime.fromisoformat(company["start"]).utcoffset() in (HOUR, 2 * HOUR)
