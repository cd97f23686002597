"""`leadflow accounts ...`: customer accounts' tiers and key accounts' follow-up groups."""

from __future__ import annotations

import typer

from leadflow.accounts.service import account_history as history_of
from leadflow.accounts.service import account_rows
from leadflow.accounts.service import set_account as set_service
from leadflow.bootstrap import unit_of_work
from leadflow.cli.app import App
from leadflow.cli.leads import BY, utcnow
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.settings import get_rules

app = App(
    no_args_is_help=True,
    help="Customer accounts: tier (初步意向, 高意向, 重点客户) and follow-up group.",
)


@app.command("set")
def set_account(
    company: str = typer.Argument(..., help="The company's name, matched as dedupe matches it."),
    tier: str | None = typer.Option(None, help="initial | high | key (a new account: initial)."),
    group: int | None = typer.Option(
        None, "--group", help="Team id of the follow-up group (a key account needs one)."
    ),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Set a company's tier and follow-up group (managers and directors).

    A key account's open leads outside its group move to the group at once."""
    with unit_of_work(by) as uow:
        data = set_service(
            uow.session,
            {"company": company, "tier": tier, "team_id": group},
            by=by,
            now=utcnow(),
            rules=get_rules(),
        )
        uow.commit()
    moved = "".join(
        f"\nlead {r['lead_id']}: "
        + (f"kept by rep {r['rep_id']} ({r['kept']})" if "kept" in r else f"rep {r['rep_id']}")
        for r in data["routed"]
    )
    emit(
        data,
        as_json,
        f"account {data['id']} {data['company']}: {data['tier_label']}, "
        f"group {data['team'] or '-'}{moved}",
    )


@app.command("list")
def list_accounts(
    tier: str | None = typer.Option(None, help="Only this tier: initial | high | key."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List accounts, key accounts first."""
    with unit_of_work() as uow:
        rows = account_rows(uow.session, tier)
    emit(rows, as_json, table(rows, ["id", "company", "tier_label", "team", "open_leads"]))


@app.command("history")
def account_history(company: str, as_json: bool = JSON_OPTION) -> None:
    """Show who changed a company's tier and group, and when."""
    with unit_of_work() as uow:
        rows = history_of(uow.session, company)
    emit(rows, as_json, table(rows, ["at", "field", "old", "new", "by"]))
