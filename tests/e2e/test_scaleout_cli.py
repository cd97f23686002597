"""`leadflow deploy` and `leadflow worker` refuse clearly without a Prefect server to talk to
(the real pool is exercised in tests/reliability/test_scaleout.py). Prefect reads its
settings once per process, so the refusals run the installed command in a process of its own."""

from __future__ import annotations

import pytest

from tests.e2e.cli_harness import run, run_installed


@pytest.mark.parametrize("command", [["deploy"], ["worker", "--limit", "2"]])
def test_needs_a_prefect_server(env, command):
    env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    proc = run_installed(command, env, ok=False)
    assert "PREFECT_API_URL is not set" in proc.stderr


def test_bad_fan_out_names_the_option(env):
    proc = run(["deploy", "--fan-out", "-1"], env, ok=False)
    assert "--fan-out" in proc.stderr
