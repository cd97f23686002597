"""The `leadflow` command for tests: in-process through the console entry point (fast), or
as the installed command in a real process (for the few tests that prove it is installed).

In-process calls go through `leadflow.cli.main.run`, the same function the installed
command calls, so its error handling (one line on stderr, an exit code) is what a test sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import chdir, nullcontext
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from leadflow.cli.main import run as leadflow_main
from leadflow.settings import get_settings

# The console script pip installed next to this interpreter (`.venv/bin/leadflow`).
INSTALLED = Path(sys.executable).with_name("leadflow")


def _check(proc: subprocess.CompletedProcess[str], ok: bool) -> subprocess.CompletedProcess[str]:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert (proc.returncode == 0) == ok, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def _invoke(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the entry point in this process with `env` as the whole environment."""
    saved = dict(os.environ)
    changes: dict[str, str | None] = {key: None for key in saved if key not in env}
    changes.update(env)
    get_settings.cache_clear()  # settings are read once per process; this is a new "process"
    code: int | str | None = 0
    try:
        with CliRunner().isolation(env=changes) as (stdout, stderr, _):
            try:
                leadflow_main(args)
            except SystemExit as exc:
                code = exc.code
            out, err = stdout.getvalue(), stderr.getvalue()
    finally:
        get_settings.cache_clear()
        os.environ.clear()  # a command may set defaults (Prefect's) in its environment
        os.environ.update(saved)
    status = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(["leadflow", *args], status, out.decode(), err.decode())


def run(
    args: list[str], env: dict[str, str], ok: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in-process (in `cwd`); check the exit code matches `ok` and that no
    traceback leaked."""
    with chdir(cwd) if cwd else nullcontext():
        return _check(_invoke(args, env), ok)


def run_json(args: list[str], env: dict[str, str]) -> Any:
    """Run the CLI with --json and parse what it printed."""
    return json.loads(run([*args, "--json"], env).stdout)


def run_installed(
    args: list[str], env: dict[str, str], ok: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the installed `leadflow` command as a user does: its own process, real exit code."""
    proc = subprocess.run(
        [str(INSTALLED), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return _check(proc, ok)


def cli_env(tmp_path: Path, database: Path | None = None) -> dict[str, str]:
    """The CLI's environment: a SQLite file (`database`, default tmp_path/cli.db) and an
    error log in tmp_path."""
    database = database or tmp_path / "cli.db"
    return {
        **os.environ,
        "LEADFLOW_DATABASE_URL": f"sqlite:///{database}",
        "LEADFLOW_LOG_FILE": str(tmp_path / "errors.log"),
    }
