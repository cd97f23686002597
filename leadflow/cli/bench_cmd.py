"""`leadflow bench`: the benchmark suite of a source checkout (`python -m bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from leadflow.cli.output import JSON_OPTION
from leadflow.errors import InvalidInput
from leadflow.phrases import N_

PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


def bench(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Run the benchmark suite (reduced sizes; --full, --repeat N, --only NAME pass on).

    With --json the results file is printed on stdout and the table goes to stderr."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "bench" / "__main__.py").exists():
        raise InvalidInput(
            N_(
                "the benchmark suite lives in the source checkout (bench/); install "
                "LeadFlow with `pip install -e .` from it",
            )
        )
    code = subprocess.call(
        [sys.executable, "-m", "bench", *ctx.args, *(["--json"] if as_json else [])], cwd=root
    )
    raise typer.Exit(code)
