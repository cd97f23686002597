"""Progress of long commands: services report counts through a callback, this draws them.

A terminal gets rich's live bar (counts, rate, elapsed) on stderr; a pipe or a log gets only
the final summary line; `--json` gets nothing, so stdout and stderr stay machine-clean."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from leadflow.progress import Report


@dataclass
class Steps:
    """The stages of one command, each with a label and the count it reached."""

    bar: Progress | None
    unit: str
    rated: bool = True  # a rate of rows means something; of a few steps, nothing
    started: float = field(default_factory=time.monotonic)
    done: dict[str, int] = field(default_factory=dict)
    _reports: dict[str, Report] = field(default_factory=dict)

    def stage(self, label: str, total: int | None = None) -> Report:
        """A callback for one stage; each call sets how many of its items are done."""
        task: TaskID | None = None
        if self.bar is not None:
            task = self.bar.add_task(label, total=total, rate="")
        self.done[label] = 0
        begun = time.monotonic()

        def report(done: int, new_total: int | None = None) -> None:
            self.done[label] = done
            if self.bar is not None and task is not None:
                rate = done / max(time.monotonic() - begun, 1e-6)
                self.bar.update(
                    task,
                    completed=done,
                    total=new_total if new_total is not None else total,
                    rate=f"{rate:,.0f} {self.unit}/s" if self.rated else "",
                )

        return report

    def watch(self, label: str, done: int, total: int | None) -> None:
        """Hear a flow's `tell`: its stage, made on first use, advances to `done`."""
        if label not in self._reports:
            self._reports[label] = self.stage(label, total)
        self._reports[label](done, total)

    def summary(self) -> str:
        """One line: what each stage reached, how long it took, at what rate."""
        seconds = max(time.monotonic() - self.started, 1e-6)
        counts = ", ".join(f"{label} {n}" for label, n in self.done.items())
        most = max(self.done.values(), default=0)
        unit = self.unit
        rate = f" ({most / seconds:,.0f} {unit}/s)" if self.rated and most else ""
        said = " ".join(part for part in (counts, unit) if part)
        return f"done: {said} in {seconds:.1f} s{rate}" if said else f"done in {seconds:.1f} s"


def live(as_json: bool) -> bool:
    """Whether a bar is drawn: on a terminal, and not for a machine reading --json."""
    return not as_json and sys.stderr.isatty()


@contextmanager
def steps(as_json: bool, unit: str = "rows", rated: bool = True) -> Iterator[Steps]:
    """Show the stages' progress while the block runs, then the summary line on stderr
    (nothing at all under --json)."""
    bar = None
    if live(as_json):
        bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[progress.data.speed]{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
    tracker = Steps(bar, unit, rated)
    if bar is None:
        yield tracker
    else:
        with bar:
            yield tracker
    if not as_json:
        typer.echo(tracker.summary(), err=True)
