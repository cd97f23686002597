"""`leadflow quarantine ...`: rejected input, kept verbatim with what was wrong with it."""

from __future__ import annotations

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.store.queries import quarantine_page

app = typer.Typer(no_args_is_help=True, help="Rejected input kept in quarantine.")


@app.command("list")
def list_records(
    waiting: bool = typer.Option(False, "--waiting", help="Only records not replayed yet."),
    after: int | None = typer.Option(None, help="Show records after this id (the next page)."),
    limit: int = typer.Option(50, min=1, max=500, help="Most records to show, oldest first."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show rejected records, oldest first, with their errors and where they came from.

    The same list as GET /quarantine; a replayed record names the lead it became."""
    with unit_of_work() as uow:
        records, next_after = quarantine_page(uow.session, False if waiting else None, after,
                                              limit)
        rows = [{"id": r.id, "origin": r.origin, "received_at": r.received_at,
                 "errors": "; ".join(r.errors), "payload": r.payload[:60],
                 "replayed_lead_id": r.replayed_lead_id} for r in records]
    more = f"\nmore: --after {next_after}" if next_after else ""
    emit(rows, as_json, table(rows, ["id", "origin", "received_at", "errors", "payload",
                                     "replayed_lead_id"]) + more)
