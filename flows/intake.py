"""lead-intake: every new lead is deduplicated, screened, scored, graded and assigned."""

from __future__ import annotations

from prefect import flow, get_run_logger

from leadflow.flows.common import (
    chunked,
    progress_bar,
    progress_to,
    rename_run,
    stamped,
    table,
    utcnow,
)
from leadflow.services.pipeline import IntakeResult
from leadflow.settings import get_settings
from leadflow.tasks.intake import intake_chunk, list_new_leads
from leadflow.tasks.outbox import send_notifications


@flow(name="lead-intake", flow_run_name=stamped("lead-intake"))
def lead_intake(chunk_size: int | None = None, url: str | None = None,
                max_rounds: int = 100) -> IntakeResult:
    """Screen, score, grade and assign every new lead, a chunk per task, until none is
    left (leads that arrive while it runs are taken in the next round)."""
    log = get_run_logger()
    size = chunk_size or get_settings().chunk_size
    now = utcnow()
    seen: set[int] = set()
    results: list[IntakeResult] = []
    for _ in range(max_rounds):
        ids = [i for i in list_new_leads(url) if i not in seen]
        if not ids:
            break
        seen.update(ids)
        parts = chunked(ids, size)
        progress = progress_bar("lead-intake: chunks done") if len(parts) > 1 else None
        for n, part in enumerate(parts, start=1):
            results.append(intake_chunk(part, now, url))
            if progress is not None:
                progress_to(progress, n, len(parts))
    summary = IntakeResult.combine(results)
    table("lead-intake-summary", [
        {"metric": k, "value": v} for k, v in summary.model_dump().items()
        if not isinstance(v, dict)] + [
        {"metric": f"grade {g}", "value": n} for g, n in sorted(summary.by_grade.items())],
        "What the last intake run did")
    log.info("intake: %d processed, %d assigned, %d to manager queues, %d disqualified, "
             "%d duplicates", summary.processed, summary.assigned, summary.queued,
             summary.disqualified, summary.duplicates)
    if summary.processed:
        send_notifications(url)
    rename_run(f"{summary.processed} leads")
    return summary
