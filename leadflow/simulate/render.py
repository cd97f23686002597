"""A simulation report as Markdown (also the flow's artifact), HTML or JSON."""

from __future__ import annotations

import json

from leadflow.simulate.report import SimulationReport
from leadflow.templates import render

FORMATS = ("md", "html", "json")


def render_report(report: SimulationReport, fmt: str) -> str:
    """The report in one of FORMATS."""
    if fmt == "json":
        return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False)
    return render(f"simulation.{fmt}.j2", r=report)
