"""`leadflow demo`: the leadflow-demo flow on a fresh SQLite file, then a short summary."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from leadflow.bootstrap import unit_of_work
from leadflow.cli.output import emit, table
from leadflow.cli.progress import steps
from leadflow.demo.summary import pipeline_counts
from leadflow.local_server import prefect_api
from leadflow.prefect_env import configure_prefect


def run_demo(count: int, seed: int, out: str, as_json: bool) -> dict[str, Any]:
    """Run the demo flow (Prefect's embedded server when no PREFECT_API_URL) and report."""
    began = time.perf_counter()
    configure_prefect()
    # The flow and task runs are recorded in Prefect (and its UI); the terminal gets the
    # summary, not a few hundred run-state lines.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    with prefect_api():  # a local server that ends with the demo, however it ends
        from leadflow.flows.common import watching
        from leadflow.flows.demo import demo_quarter

        with steps(as_json, "", rated=False) as shown, watching(shown.watch):
            flow_result = demo_quarter(count=count, seed=seed, out=out)
    with unit_of_work(url=flow_result["database"]) as uow:
        result = {**flow_result, **pipeline_counts(uow.session)}
    result["outputs"] = str(Path(out).resolve())
    result["seconds"] = round(time.perf_counter() - began, 1)
    emit(result, as_json, _text(result))
    return result


_REVIEW_NOTES = {
    ".html": "  (open in a browser: headline, charts, tables)",
    ".xlsx": "  (lead register, follow-up log, opportunity grading, conversion)",
}


def _relative(path: str, folder: str) -> str:
    resolved = Path(path).resolve()
    return str(resolved.relative_to(folder)) if resolved.is_relative_to(folder) else path


def _review_line(review: dict[str, Any]) -> str:
    """The quarter's review in one line."""
    cycle = review["average_cycle_days"]
    sla = review["sla_compliance"]
    return (
        f"  review     {review['period']}: {review['total_leads']:,} leads, "
        f"{review['opportunities']:,} opportunities ({review['grade_a_opportunities']} "
        f"grade A), {review['won_deals']} deals won worth {review['won_value']:,.0f}; "
        f"average cycle {'n/a' if cycle is None else f'{cycle:.0f} days'}; first-contact "
        f"SLA {'n/a' if sla is None else f'{sla:.0%}'}"
    )


def _text(r: dict[str, Any]) -> str:
    order = ["new", "screened", "nurturing", "opportunity", "negotiation", "won", "lost"]
    imported = r["imported"]
    won = r["states"].get("won", 0)
    db_file = r["database"].removeprefix("sqlite:///")
    lines = [
        f"LeadFlow demo: {sum(imported.values())} generated leads over {r['quarter']} "
        f"(seed {r['seed']}), {r['seconds']} s",
        f"  intake     {imported.get('accepted', 0)} stored, {imported.get('duplicates', 0)} "
        f"duplicates merged, {imported.get('rejected', 0)} rejected (kept in quarantine)",
        f"  screening  {r['valid']} valid: grade A {r['grades'].get('A', 0)}, "
        f"B {r['grades'].get('B', 0)}, C {r['grades'].get('C', 0)}; "
        f"{r['manager_queue']} waiting in a manager queue",
        "  pipeline   " + ", ".join(f"{s} {r['states'].get(s, 0)}" for s in order),
        f"  won        {won} deals worth {r['won_value']:,.0f}; conversion (won / valid) "
        f"{won / r['valid']:.1%}"
        if r["valid"]
        else "  won        0",
        f"  upkeep     {r['reminded']} reminders, {r['escalated']} escalations, "
        f"{r['dormant']} dormant, {r['regrade_changes']} grade changes, "
        f"{r['handoffs']} handoff packages",
        f"  recorded   {r['transitions']} transitions; {r['notifications']} notifications "
        "in the outbox",
        _review_line(r["review"]),
        "",
        table(r["channels"], ["channel", "leads", "valid", "won", "conversion", "avg_deal"]),
        "",
        f"outputs:    {r['outputs']}/",
        f"  handoffs  handoffs/lead-<id>.html and .md, one per won deal ({r['handoffs']}); "
        "delivery's masked copy: lead-<id>-delivery.html",
        *[
            f"  {'review' if i == 0 else '':8}  {_relative(path, r['outputs'])}"
            f"{_REVIEW_NOTES.get(Path(path).suffix, '')}"
            for i, path in enumerate(r["review_files"])
        ],
        "  leads     leads.csv (the generated input)",
        "flow runs:  recorded in Prefect; `prefect server start`, then http://127.0.0.1:4200",
        f"database:   {db_file}",
    ]
    if r.get("sample_won_lead"):
        lines.append(
            f"a won deal: LEADFLOW_DATABASE_URL=sqlite:///{db_file} leadflow leads "
            f"show {r['sample_won_lead']}"
        )
    return "\n".join(lines)
