"""`leadflow keys ...`: issue, list and revoke API keys (a key is shown only once)."""

from __future__ import annotations

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.app import App
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.team import keys as svc

app = App(no_args_is_help=True, help="API keys for the HTTP API.")


@app.command("create")
def create(
    role: str = typer.Option(..., help="system | rep | manager | director"),
    rep: int | None = typer.Option(None, "--rep", help="The rep a rep key acts as."),
    name: str | None = typer.Option(None, help="A label, e.g. the sending system."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Issue a key and print it once; only its hash is stored."""
    with unit_of_work("cli") as uow:
        key, token = svc.create_key(uow.session, role, rep_id=rep, name=name)
        uow.commit()
        data = {**svc.key_row(key), "key": token}
    emit(
        data,
        as_json,
        f"key {key.id} ({key.role}, {key.name}): {token}\nStore it now: it cannot be shown again.",
    )


@app.command("list")
def list_keys(as_json: bool = JSON_OPTION) -> None:
    """List keys by id, prefix, role and rep (never the key itself)."""
    with unit_of_work() as uow:
        rows = svc.list_keys(uow.session)
    emit(
        rows,
        as_json,
        table(rows, ["id", "name", "prefix", "role", "rep_id", "created_at", "revoked_at"]),
    )


@app.command("revoke")
def revoke(key_id: int, as_json: bool = JSON_OPTION) -> None:
    """Revoke a key; it is refused from the next request on."""
    with unit_of_work("cli") as uow:
        key = svc.revoke_key(uow.session, key_id)
        uow.commit()
        data = svc.key_row(key)
    emit(data, as_json, f"key {key_id} ({data['prefix']}...) revoked at {data['revoked_at']}")
