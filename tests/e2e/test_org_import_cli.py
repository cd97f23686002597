"""Issue 31 item 3 as a user runs it: `leadflow teams import` and `leadflow reps import`
read one organisation sheet (CSV in any common encoding, or XLSX), again without
duplicates, naming bad rows and keeping the rest; `teams managers` adds and removes a
team's managers, and a team's notices are planned for each of them."""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook

from tests import factories as f
from tests.e2e.cli_harness import run, run_json

SHEET = """\
Office,Region,Manager(s),Agent,Email,Seniority,Capacity,Timezone
上海,east,王丽 <wang@example.com>; Bo <bo@example.com>,李娜,li@example.com,senior,30,Asia/Shanghai
上海,east,Cai Chen <cai@example.com>,张伟,zhang@example.com,junior,20,
北京,north,Dan <dan@example.com>,赵敏,zhao@example,senior,ten,
,north,Eve <eve@example.com>,钱,qian@example.com,junior,10,
北京,north,Fay <fay@example.com>,孙,sun@example.com,medior,15,Mars/Base
"""


def _teams(env) -> dict[str, list[str | None]]:
    return {
        t["name"]: [m["email"] for m in t["managers"]] for t in run_json(["teams", "list"], env)
    }


def test_one_sheet_sets_up_teams_with_several_managers_and_their_reps(env, tmp_path):
    sheet = tmp_path / "org.csv"
    sheet.write_bytes(SHEET.encode("gb18030"))  # as Excel saves it on a Chinese system
    dry = run_json(["teams", "import", str(sheet), "--dry-run", "--json"], env)
    assert (dry["dry_run"], dry["created"], len(dry["rejected"])) == (True, 2, 2)
    assert run_json(["teams", "list"], env) == []  # a dry run saves nothing

    out = run(["teams", "import", str(sheet)], env).stdout.splitlines()
    assert out == [
        "row 5: Office: required",
        "row 6: Timezone: 'Mars/Base' is not an IANA time zone name such as Asia/Shanghai or UTC",
        # The reps' columns are read by `reps import`: not ignored, not a reason to refuse.
        "teams import: 5 row(s), 2 created, 0 updated, 0 unchanged, 2 rejected",
    ]
    assert _teams(env) == {
        "上海": ["wang@example.com", "bo@example.com", "cai@example.com"],
        "北京": ["dan@example.com"],
    }
    again = run_json(["teams", "import", str(sheet), "--json"], env)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)

    reps = run_json(["reps", "import", str(sheet), "--json"], env)
    assert (reps["created"], reps["updated"]) == (3, 0)
    assert [(r["row"], r["field"]) for r in reps["rejected"]] == [(4, "email"), (6, "seniority")]
    assert "capacity" in reps["rejected"][0]["error"]  # every fault of the row is named
    sheet.write_bytes(SHEET.replace(",30,", ",35,").encode("gb18030"))
    later = run_json(["reps", "import", str(sheet), "--json"], env)
    assert (later["created"], later["updated"], later["unchanged"]) == (0, 1, 2)
    listed = {r["name"]: (r["team"], r["capacity"]) for r in run_json(["reps", "list"], env)}
    # A rep without an office is kept without a team, as `reps add` keeps one.
    assert listed == {"李娜": ("上海", 35), "张伟": ("上海", 20), "钱": (None, 10)}

    book = Workbook()
    book.active.append(["Name", "Email", "Team", "Capacity", "Notes"])
    book.active.append(["Gu", "gu@example.com", "北京", 12])
    book.active.append(["Hu", "hu@example.com", "广州", 12])
    book.save(tmp_path / "more.xlsx")
    more = run(["reps", "import", str(tmp_path / "more.xlsx")], env).stdout.splitlines()
    assert more == [
        "row 3: Team: no team named '广州' (import the teams first)",
        "reps import: 2 row(s), 1 created, 0 updated, 0 unchanged, 1 rejected; "
        "ignored columns: notes",
    ]


def test_managers_are_added_and_removed_and_each_is_planned_a_notice(env, tmp_path):
    run(
        ["teams", "add", "--name", "East", "--region", "east", "--manager", "Mia"]
        + ["--manager-email", "mia@example.com"],
        env,
    )
    shown = run_json(
        ["teams", "managers", "add", "1", "--name", "Ned", "--email", "ned@example.com", "--json"],
        env,
    )
    assert shown == [
        {"name": "Mia", "email": "mia@example.com"},
        {"name": "Ned", "email": "ned@example.com"},
    ]
    refused = run(["teams", "managers", "add", "1", "--email", "NED@example.com"], env, ok=False)
    assert "manager: NED@example.com already manages team 'East'" in refused.stderr
    run(["teams", "managers", "add", "1", "--name", "Oz", "--email", "oz@example.com"], env)
    run(["teams", "managers", "remove", "1", "oz@example.com"], env)
    assert "Mia,Ned" in run(["teams", "list"], env).stdout.replace(", ", ",")
    gone = run(["teams", "managers", "remove", "1", "zed@example.com"], env, ok=False)
    assert "manager: zed@example.com does not manage team 'East'" in gone.stderr
    two = "Gu <gu@example.com>; Hu: hu@example.com"
    run(["teams", "add", "--name", "West", "--region", "west", "--managers", two], env)
    run(["teams", "set", "2", "--managers", "Hu <hu@example.com>; Ivy <ivy@example.com>"], env)
    bare = run(["teams", "set", "2", "--managers", "Hu <hu@example.com>; Jo"], env, ok=False)
    assert "managers[2].email: required" in bare.stderr
    assert [m["name"] for m in run_json(["teams", "managers", "list", "2"], env)] == ["Hu", "Ivy"]

    run(
        ["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior"]
        + ["--email", "ann@example.com"],
        env,
    )
    path = tmp_path / "leads.jsonl"
    path.write_text(
        '{"source": "website_form", "customer_type": "individual", "contact_name": "Jo", '
        '"email": "jo@example.com", "need": "CRM", "region": "east", '
        '"contact_role": "decision_maker"}\n',
        encoding="utf-8",
    )
    run(["leads", "import", str(path), "--by", "carol"], env)
    later = (f.wall_clock() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    due = run_json(["reminders", "due", "--at", later], env)
    # No mail server here: the assignment notice is still queued, so it escalates to both.
    (up,) = [m for m in due if m["kind"] == "notify" and m["action"] == "escalate"]
    assert up["recipient"] == "mia@example.com, ned@example.com"


def test_a_sheet_without_its_name_column_is_refused_by_name(env, tmp_path):
    """Each import needs its own name column: the office for teams, the agent for reps."""
    sheet = tmp_path / "people.csv"
    sheet.write_text("Email,Capacity\nli@example.com,30\n", encoding="utf-8")
    teams = run(["teams", "import", str(sheet)], env, ok=False)
    assert "office: the table has no office (or team) column" in teams.stderr
    reps = run(["reps", "import", str(sheet)], env, ok=False)
    assert "agent: the table has no agent (or name) column" in reps.stderr
    assert run_json(["teams", "list"], env) == [] and run_json(["reps", "list"], env) == []
