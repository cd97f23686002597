"""The `leadflow` command: one typer app, each subcommand a thin call into services."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence

import click
import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from leadflow.cli import (
    accounts,
    bench_cmd,
    followups,
    lead_checks,
    lead_contract,
    lead_files,
    lead_minutes,
    lead_ops,
    lead_work,
    leads,
    model_cmd,
    orchestrate,
    org,
    outbox,
    quarantine,
    reps,
    rules_cmd,
    scaleout,
    status,
)
from leadflow.cli import api as api_cmd
from leadflow.cli import keys as keys_cmd
from leadflow.cli import report as report_cmd
from leadflow.cli import targets as targets_cmd
from leadflow.cli.app import App
from leadflow.cli.output import JSON_OPTION, emit
from leadflow.cli.usage_words import usage_refusal
from leadflow.errors import LeadFlowError
from leadflow.i18n import current_locale, say
from leadflow.locales import SOURCE_LOCALE
from leadflow.phrases import N_
from leadflow.rules.config import ConfigError
from leadflow.rules.text import control_problem
from leadflow.settings import get_settings

app = App(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="LeadFlow: the lead pipeline from intake to won or lost.",
)
db_app = App(no_args_is_help=True, help="The database schema.")
app.add_typer(db_app, name="db")
app.add_typer(leads.app, name="leads")  # lead_ops adds its commands to the same group
assert lead_ops.app is leads.app and lead_work.app is leads.app and lead_checks.app is leads.app
assert lead_contract.app is leads.app
assert lead_minutes.app is leads.app
leads.app.command("import", help=lead_files.IMPORT_HELP)(lead_files.import_file)
leads.app.command("export")(lead_files.export_file)
app.add_typer(reps.app, name="reps")
app.add_typer(reps.teams_app, name="teams")  # org adds import and managers to both
assert org.app is reps.app and org.teams_app is reps.teams_app
app.add_typer(accounts.app, name="accounts")
app.add_typer(rules_cmd.app, name="rules")
app.add_typer(outbox.app, name="outbox")
app.add_typer(quarantine.app, name="quarantine")
app.add_typer(report_cmd.app, name="report")
app.add_typer(targets_cmd.app, name="targets")
app.add_typer(followups.app, name="reminders")
app.command("serve")(orchestrate.serve)
app.command("run")(orchestrate.run)
app.command("status")(status.status)
app.command("deploy")(scaleout.deploy)
app.command("worker")(scaleout.worker)
app.command("api")(api_cmd.api)
app.command("bench", context_settings=bench_cmd.PASS_THROUGH)(bench_cmd.bench)
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(model_cmd.app, name="model")


@app.callback()
def _startup() -> None:
    """Validate the settings, the rule book and the import mapping before any command, so
    a bad config (a misspelt key too) fails first and clearly."""
    from leadflow.settings import get_rules
    from leadflow.sheets.mapping import load_mapping

    get_rules()
    load_mapping()


@db_app.command("upgrade")
def db_upgrade(as_json: bool = JSON_OPTION) -> None:
    """Create or migrate the database in LEADFLOW_DATABASE_URL to the latest schema."""
    from leadflow.store.migrate import current, upgrade

    url = get_settings().database_url
    before = current(url)
    upgrade(url)
    after = current(url)
    emit(
        {"database": _redact(url), "from": before, "to": after},
        as_json,
        f"database {_redact(url)}: migration {before or 'none'} -> {after}",
    )


@app.command("diagram")
def diagram(as_json: bool = JSON_OPTION) -> None:
    """Print the lead lifecycle as a mermaid state diagram."""
    from leadflow.statemachines.lead import mermaid

    text = mermaid()
    emit({"mermaid": text}, as_json, text)


@app.command("demo")
def demo(
    leads_count: int = typer.Option(
        3000, "--leads", min=10, max=200_000, help="How many leads to generate."
    ),
    seed: int = typer.Option(7, help="Random seed, so a run can be reproduced."),
    out: str = typer.Option("out/demo", help="Folder for the demo database and outputs."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Generate a team and a quarter of leads, run them through the pipeline, report."""
    from leadflow.cli.demo import run_demo

    run_demo(leads_count, seed, out, as_json)


def _redact(url: str) -> str:
    """Hide a password in a database URL before printing it."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}{':***' if ':' in creds else ''}@{host}"
    return url


def _fail(message: str, code: int = 2) -> None:
    typer.echo(_spoken(N_("error: {message}", message=message)), err=True)
    raise SystemExit(code)


def _spoken(text: str) -> str:
    """`text` in the configured language (LEADFLOW_LOCALE, as the reports speak it); in
    English when the settings themselves are what failed."""
    return say(text) if _speaks_other_than_english() else str(text)


def _speaks_other_than_english() -> bool:
    try:
        return current_locale() != SOURCE_LOCALE
    except (LeadFlowError, ConfigError):
        return False  # the settings themselves failed: their error is told in English


def argument_problem(args: Sequence[str]) -> str | None:
    """Why one of the command's arguments cannot be taken in (a control character other
    than tab and line breaks: every text a command stores comes in this way, so they are
    refused here once), naming the option or the argument's place, never its text."""
    for place, arg in enumerate(args):
        option, _, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        problem = control_problem(value, lines=True)
        if problem is None:
            continue
        before = args[place - 1] if place else ""
        name = option or (before if before.startswith("-") else f"argument {place + 1}")
        return N_("{name}: {problem}", name=name, problem=problem)
    return None


def run(argv: Sequence[str] | None = None) -> None:
    """Console entry point: domain errors become one clear line on stderr, never a traceback."""
    problem = argument_problem(sys.argv[1:] if argv is None else argv)
    if problem:
        _fail(problem)
    try:
        # Outside standalone mode click returns a command's `typer.Exit(code)` as the value.
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except click.exceptions.Abort:
        _fail(N_("aborted"), 130)
    except (click.ClickException, typer.TyperException) as exc:
        worded = usage_refusal(exc)
        if worded is not None and _speaks_other_than_english():
            _fail(worded, getattr(exc, "exit_code", 2))
        # typer 0.29 raises its own copy of click's exceptions (bad option values included)
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"error: {exc}", err=True)
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except (LeadFlowError, ConfigError) as exc:
        _fail(exc.args[0] if len(exc.args) == 1 else str(exc))
    except OperationalError as exc:
        _fail(
            N_(
                "database unavailable or not migrated: {why}. "
                "Check LEADFLOW_DATABASE_URL and run `leadflow db upgrade`.",
                why=" ".join(str(exc.orig).split()),
            )
        )
    except SQLAlchemyError as exc:
        _fail(f"database error: {exc.__class__.__name__}: {getattr(exc, 'orig', exc)}")
    except KeyboardInterrupt:
        _fail(N_("interrupted"), 130)
    except Exception as exc:  # the last line of defence: log it, show one line
        log = get_settings().log_file
        try:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(traceback.format_exc() + "\n")
            where = f"details in {log}"
        except OSError:
            logging.getLogger("leadflow").exception("unexpected error")
            where = "details in the log"
        _fail(f"unexpected {exc.__class__.__name__}: {exc} ({where})", 1)


if __name__ == "__main__":
    run(sys.argv[1:])
