"""Progress as counts: what a long service function tells whoever watches it (the CLI
draws a bar from it); nothing here knows about terminals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# (done, total): how far a service got; total is None while it is not known.
Report = Callable[[int, int | None], None]


def counted(
    items: Iterable[T], report: Report | None, total: int | None = None, every: int = 500
) -> Iterator[T]:
    """`items` as they are, telling `report` the count every `every` items and at the end."""
    done = 0
    for item in items:
        yield item
        done += 1
        if report is not None and done % every == 0:
            report(done, total)
    if report is not None:
        report(done, total)
