"""`leadflow outbox ...`: deliver queued notifications, or look at them."""

from __future__ import annotations

import datetime as dt

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.app import App
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.errors import InvalidInput
from leadflow.notify import outbox as svc
from leadflow.phrases import N_

app = App(no_args_is_help=True, help="Notifications waiting in the outbox.")


@app.command("send")
def send(
    limit: int = typer.Option(500, min=1, help="Most messages to send in this pass."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Deliver due messages now; failures stay queued for a later attempt."""
    result = svc.deliver_outbox(None, dt.datetime.now(dt.UTC), limit)
    text = (
        f"{result.sent} sent, {result.failed} failed (will retry), {result.gave_up} "
        f"given up, {result.deferred} waiting for a mail server (LEADFLOW_MAIL_URL)"
    )
    if result.in_doubt or result.resent:
        text += (
            f"\n{result.in_doubt} in doubt (a sender died mid-send; held, see `leadflow "
            f"outbox resolve`), {result.resent} sent again after being in doubt"
        )
    if result.errors:
        errors = [e.model_dump() for e in result.errors]
        text += "\n" + table(errors, ["id", "recipient_masked", "subject", "error"])
    emit(result, as_json, text)


@app.command("list")
def list_messages(
    unsent: bool = typer.Option(False, "--unsent", help="Only messages not sent yet."),
    limit: int = typer.Option(100, min=1, help="Most messages to show, newest first."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the newest outbox messages (recipients masked)."""
    with unit_of_work() as uow:
        rows = svc.message_rows(uow.session, unsent=unsent, limit=limit)
        pending = svc.pending_count(uow.session)
    emit(
        rows,
        as_json,
        table(
            rows,
            [
                "id",
                "kind",
                "status",
                "recipient",
                "subject",
                "attempts",
                "next_attempt_at",
                "last_error",
            ],
        )
        + f"\n{pending} not sent",
    )


@app.command("resolve")
def resolve(
    message_id: int = typer.Argument(..., help="The id of a message listed as 'in doubt'."),
    delivered: bool = typer.Option(
        ..., "--delivered/--resend", help="It arrived (mark it sent), or send it again now."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Settle a message whose sender died mid-send: it arrived, or it must go again."""
    with unit_of_work("outbox") as uow:
        if not svc.resolve(uow.session, message_id, delivered, dt.datetime.now(dt.UTC)):
            raise InvalidInput(
                N_(
                    "message {message_id}: not in doubt (see `leadflow outbox list --unsent`)",
                    message_id=message_id,
                )
            )
        uow.commit()
    outcome = "marked sent" if delivered else "released to be sent again"
    emit({"id": message_id, "outcome": outcome}, as_json, f"message {message_id}: {outcome}")
