"""`leadflow quarantine ...`: rejected input, kept verbatim (less refused personal data)
with what was wrong with it."""

from __future__ import annotations

from pathlib import Path

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.app import App
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.errors import InvalidInput
from leadflow.intake import requests
from leadflow.intake.pending import process_pending
from leadflow.lifecycle.lookup import get_lead
from leadflow.phrases import N_
from leadflow.settings import get_rules
from leadflow.store.queries import quarantine_page

app = App(no_args_is_help=True, help="Rejected input kept in quarantine.")


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
        records, next_after = quarantine_page(uow.session, False if waiting else None, after, limit)
        rows = [
            {
                "id": r.id,
                "origin": r.origin,
                "received_at": r.received_at,
                "errors": "; ".join(r.errors),
                "payload": r.payload[:60],
                "replayed_lead_id": r.replayed_lead_id,
            }
            for r in records
        ]
    more = f"\nmore: --after {next_after}" if next_after else ""
    emit(
        rows,
        as_json,
        table(rows, ["id", "origin", "received_at", "errors", "payload", "replayed_lead_id"])
        + more,
    )


@app.command("replay")
def replay(
    record_id: int = typer.Argument(..., help="The id of a record in `quarantine list`."),
    file: Path | None = typer.Option(
        None,
        help="A JSON file with the corrected lead (spec "
        "§1 names); without it the record is retried as kept.",
    ),
    process: bool = typer.Option(True, help="Screen, score, grade and assign at once."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Retry a quarantined record after a fix, as POST /quarantine/ID/replay does.

    A corrected lead that still fails is kept in quarantine too; a replayed one names its lead."""
    try:
        corrected = file.read_bytes() if file is not None else None
    except OSError as exc:
        raise InvalidInput(
            N_("{file}: cannot read: {strerror}", file=file, strerror=exc.strerror),
            {"file": str(file)},
        ) from None
    with unit_of_work("cli") as uow:
        lead_id, created, state = requests.replay(
            uow, record_id, corrected, f"cli: replay of quarantine #{record_id}", get_rules()
        )
    if created and process:
        process_pending()
        with unit_of_work() as uow:
            state = get_lead(uow.session, lead_id).state
    done = "stored now" if created else "already stored"
    emit(
        {"id": lead_id, "created": created, "state": state},
        as_json,
        f"quarantine #{record_id}: lead {lead_id} ({done}, {state})",
    )
