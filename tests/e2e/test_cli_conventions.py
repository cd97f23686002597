"""What every command of `leadflow` shares: --json, help without type placeholders, bad
choices and filters refused with exit 2 (the API refuses them too), progress on imports."""

from __future__ import annotations

import csv
import json
import os
import pty
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from leadflow.cli.main import app
from tests.e2e.api_harness import running_api
from tests.e2e.cli_harness import INSTALLED, run

# An option followed by a Python type in angle brackets: `--queue <bool>`, `--owner <int>`.
PLACEHOLDER = re.compile(r"--[\w-]+\s+<[a-z ]+>")


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_every_command_takes_json_and_its_help_has_no_type_placeholders(env):
    assert len(COMMANDS) > 60  # the walk found the command tree, not one group
    for path in COMMANDS:
        shown = run([*path, "--help"], env).stdout
        assert "--json" in shown, path
        assert not PLACEHOLDER.search(shown), (path, PLACEHOLDER.findall(shown))
    top = run(["--help"], env).stdout
    assert not PLACEHOLDER.search(top)


@pytest.mark.parametrize(
    "args",
    [
        ["leads", "list"],
        ["reps", "list"],
        ["teams", "list"],
        ["diagram"],
        ["quarantine", "list"],
        ["report", "review", "--period", "2026-Q3"],
    ],
)
def test_read_commands_print_valid_json(env, args):
    if tuple(args[:2]) not in {p[:2] for p in COMMANDS} and tuple(args[:1]) not in COMMANDS:
        pytest.fail(f"no command {args}")
    json.loads(run([*args, "--json"], env).stdout)


def test_json_and_a_different_format_are_refused_together(env):
    proc = run(
        ["report", "review", "--period", "2026-Q3", "--format", "html", "--json"], env, False
    )
    assert proc.returncode == 2 and "'html'" in proc.stderr


def test_a_bad_choice_or_filter_exits_2_quoting_it(env):
    proc = run(["leads", "list", "--state", "bogus"], env, ok=False)
    assert proc.returncode == 2
    assert "'bogus'" in proc.stderr and "'screened'" in proc.stderr and "'won'" in proc.stderr
    proc = run(["leads", "list", "--owner", "424242"], env, ok=False)
    assert proc.returncode == 2 and "owner: 424242" in proc.stderr


def test_the_api_refuses_an_unknown_owner_and_an_unknown_filter(sqlite_url):
    with running_api(sqlite_url) as api:
        client = api.as_role("director")
        answer = client.get("/leads", params={"owner": 424242})
        assert answer.status_code == 422 and "owner" in answer.json()["errors"]
        answer = client.get("/leads", params={"owner_id": 424242})
        assert answer.status_code == 422 and "owner_id" in answer.json()["errors"]
        answer = client.get("/leads", params={"state": "bogus"})
        assert answer.status_code == 422 and "not 'bogus'" in answer.json()["errors"]["state"]


def _leads_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "company_name", "contact_name", "email", "need"])
        for i in range(rows):
            writer.writerow(["website_form", f"Co {i}", "Jo", f"jo{i}@co{i}.example", "crm"])
    return path


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run the installed command with stderr on a pseudo-terminal; its exit code, stdout
    and everything written to the terminal."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [str(INSTALLED), *args],
        env={**env, "COLUMNS": "120", "TERM": "xterm"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    seen = bytearray()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the last writer closed the terminal: the command ended
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    out = proc.stdout.read().decode() if proc.stdout else ""
    return proc.wait(timeout=60), out, seen.decode(errors="replace")


def test_an_import_shows_a_live_bar_on_a_terminal_and_only_a_summary_elsewhere(env, tmp_path):
    env = {**env, "LEADFLOW_IMPORTS__CHUNK_ROWS": "40"}
    path = _leads_csv(tmp_path / "leads.csv", 200)
    code, out, terminal = _on_a_terminal(["leads", "import", str(path)], env)
    assert code == 0 and "accepted 200" in out
    assert "imported" in terminal and "200/?" in terminal  # counts, total not known
    assert "rows/s" in terminal  # the rate
    assert re.search(r"processed .*200/200", terminal)  # intake, whose total is known
    assert "done: imported 200, processed 200 rows in" in terminal
    # In a pipe: no bar, only the summary line.
    again = run(["leads", "import", str(_leads_csv(tmp_path / "b.csv", 80))], env)
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("done: imported 80, processed 0 rows in")
    # Under --json: nothing on stderr at all.
    quiet = run(["leads", "import", str(path), "--json"], env)
    assert quiet.stderr == "" and json.loads(quiet.stdout)["import"]["replayed"] == 200


def test_an_export_in_a_pipe_ends_with_one_summary_line(env, tmp_path):
    run(["leads", "import", str(_leads_csv(tmp_path / "in.csv", 30)), "--no-process"], env)
    proc = run(["leads", "export", "--out", str(tmp_path / "out.csv")], env)
    assert proc.stderr.strip().splitlines()[-1].startswith("done: exported 30 leads in")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_an_import_quotes_a_value_outside_the_allowed_ones(env, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "source,company_name,contact_name,email,need,company_size\n"
        "website_form,Acme,Jo,jo@acme.example,crm,gigantic\n",
        encoding="utf-8",
    )
    out = run(["leads", "import", str(path), "--json"], env, ok=False).stdout
    rejection = json.loads(out)["import"]["rejections"][0]["errors"]["company_size"]
    assert rejection.endswith("not 'gigantic'") and "'small'" in rejection
