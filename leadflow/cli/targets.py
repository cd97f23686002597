"""`leadflow targets ...`: set, list, show and approve period targets per team or rep."""

from __future__ import annotations

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.app import App
from leadflow.cli.leads import BY, utcnow
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.settings import get_rules
from leadflow.team import targets as svc
from leadflow.team.target_checks import approve_target
from leadflow.team.target_measure import Measured

app = App(no_args_is_help=True, help="Period targets per team or rep.")
COLUMNS = [
    "id",
    "period",
    "team",
    "rep",
    "status",
    "revenue",
    "new_customers",
    "repeat_rate",
    "valid_leads",
    "follow_ups",
]


def _measured(measured: Measured | None) -> list[str]:
    """Each activity target against what was recorded: 'trade_show 2/3 a week: not met'."""
    if measured is None:
        return []
    verdict = {True: "met", False: "not met", None: "in progress"}
    lines = [
        f"valid leads {c.channel}: {c.actual} of {c.expected} ({c.per_week} a week): "
        f"{verdict[c.met]}"
        for c in measured.valid_leads
    ]
    f = measured.follow_ups
    if f is not None:
        lines.append(
            f"follow-ups {f.per_day} a working day: {f.days_met} of "
            f"{f.working_days_so_far} working days so far ({f.working_days} in the period), "
            f"{f.actual} in all: {verdict[f.met]}"
        )
    return lines


def _text(view: svc.TargetView) -> str:
    whose = f"team {view.team_id} {view.team}" if view.team_id else f"rep {view.rep_id} {view.rep}"
    numbers = ", ".join(
        f"{name} {value}"
        for name, value in (
            ("revenue", view.revenue),
            ("new customers", view.new_customers),
            ("repeat rate", view.repeat_rate),
            *((f"valid leads {c} a week", n) for c, n in sorted(view.valid_leads.items())),
            ("follow-ups a working day", view.follow_ups_per_day),
        )
        if value is not None
    )
    approval = (
        f"filed, approved by {view.approved_by}"
        if view.status == "filed"
        else "proposed, awaiting a director's approval"
    )
    lines = [
        f"target {view.id} {view.period} for {whose}: {numbers or 'no numbers yet'} ({approval})",
        *(f"  {line}" for line in _measured(view.measured)),
        *(f"warning: {w}" for w in view.warnings),
    ]
    return "\n".join(lines)


def _row(view: svc.TargetView) -> dict[str, object]:
    row = view.model_dump()
    row["valid_leads"] = " ".join(f"{c}={n}" for c, n in sorted(view.valid_leads.items())) or None
    row["follow_ups"] = view.follow_ups_per_day
    return row


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
    valid_leads: list[str] = typer.Option(
        [], "--valid-leads", help="Valid leads a week of a channel, CHANNEL=N (repeat it)."
    ),
    follow_ups_per_day: int | None = typer.Option(
        None, help="Intent customers to follow up each working day."
    ),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Set a team's or a rep's target for a period; unset numbers keep their value.

    A new or changed target is proposed until a director approves it (targets approve).
    A warning names the sums when the reps' targets do not add up to the team's.
    """
    with unit_of_work(by) as uow:
        target = svc.set_target(
            uow.session,
            period,
            team_id=team,
            rep_id=rep,
            revenue=revenue,
            new_customers=new_customers,
            repeat_rate=repeat_rate,
            valid_leads=svc.parse_quotas(valid_leads) if valid_leads else None,
            follow_ups_per_day=follow_ups_per_day,
            by=by,
            now=utcnow(),
        )
        uow.commit()
        view = svc.full_view(uow.session, target, None, None)
    emit(view, as_json, _text(view))


@app.command("list")
def list_targets(
    period: str | None = typer.Option(None, help="Only this period (2026-Q3, 2026-09, 2026-W49)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List targets, of one period or all, with their activity numbers as measured.

    Warnings name the sums when a team's reps' targets do not add up to the team's.
    """
    with unit_of_work() as uow:
        views = svc.list_targets(uow.session, period, utcnow(), get_rules().calendar)
    if as_json:
        emit([v.model_dump() for v in views], True)
        return
    lines = [table([_row(v) for v in views], COLUMNS)]
    lines += [f"{v.id}: {m}" for v in views for m in _measured(v.measured)]
    lines += [f"warning: {w}" for w in dict.fromkeys(w for v in views for w in v.warnings)]
    emit(None, False, "\n".join(lines))


@app.command("show")
def show_target(target_id: int, as_json: bool = JSON_OPTION) -> None:
    """Show one target: its numbers, approval and activity numbers as measured."""
    with unit_of_work() as uow:
        view = svc.get_target(uow.session, target_id, utcnow(), get_rules().calendar)
    emit(view, as_json, _text(view))


@app.command("approve")
def approve(target_id: int, by: str = BY, as_json: bool = JSON_OPTION) -> None:
    """A director approves a proposed target, which is then filed (who and when are kept)."""
    with unit_of_work(by) as uow:
        target = approve_target(uow.session, target_id, by, utcnow())
        uow.commit()
        view = svc.full_view(uow.session, target, None, None)
    emit(view, as_json, _text(view))
