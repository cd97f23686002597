"""`leadflow bench`: the benchmark suite of a source checkout (`python -m bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from leadflow.errors import InvalidInput

PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


def bench(ctx: typer.Context) -> None:
    """Run the benchmark suite (reduced sizes; --full, --repeat N, --only NAME pass on)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "bench" / "__main__.py").exists():
        raise InvalidInput(
            "the benchmark suite lives in the source checkout (bench/); "
            "install LeadFlow with `pip install -e .` from it"
        )
    code = subprocess.call([sys.executable, "-m", "bench", *ctx.args], cwd=root)
    raise typer.Exit(code)
