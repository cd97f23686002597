"""`leadflow targets ...`: set and list period targets per team or rep."""

from __future__ import annotations

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.team import targets as svc

app = typer.Typer(no_args_is_help=True, help="Period targets per team or rep.")
COLUMNS = ["id", "period", "team", "rep", "revenue", "new_customers", "repeat_rate"]


def _text(view: svc.TargetView) -> str:
    whose = f"team {view.team_id} {view.team}" if view.team_id else f"rep {view.rep_id} {view.rep}"
    numbers = ", ".join(
        f"{name} {value}"
        for name, value in (
            ("revenue", view.revenue),
            ("new customers", view.new_customers),
            ("repeat rate", view.repeat_rate),
        )
        if value is not None
    )
    return f"target {view.period} for {whose}: {numbers or 'no numbers yet'}"


@app.command("set")
def set_target(
    period: str = typer.Option(
        ..., help="A quarter (2026-Q3), a month (2026-09) or an ISO week (2026-W49)."
    ),
    team: int | None = typer.Option(None, help="Team id (or give --rep)."),
    rep: int | None = typer.Option(None, help="Rep id (or give --team)."),
    revenue: float | None = typer.Option(None, help="Revenue target."),
    new_customers: int | None = typer.Option(None, help="New customers target."),
    repeat_rate: float | None = typer.Option(None, help="Repeat-purchase rate target, 0-1."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Set a team's or a rep's target for a period; unset numbers keep their value."""
    with unit_of_work("cli") as uow:
        target = svc.set_target(
            uow.session,
            period,
            team_id=team,
            rep_id=rep,
            revenue=revenue,
            new_customers=new_customers,
            repeat_rate=repeat_rate,
        )
        uow.commit()
        view = svc.target_view(uow.session, target)
    emit(view, as_json, _text(view))


@app.command("list")
def list_targets(
    period: str | None = typer.Option(None, help="Only this period (2026-Q3, 2026-09, 2026-W49)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List targets, of one period or all."""
    with unit_of_work() as uow:
        rows = [v.model_dump() for v in svc.list_targets(uow.session, period)]
    emit(rows, as_json, table(rows, COLUMNS))
