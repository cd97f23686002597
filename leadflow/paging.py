"""Walking a job's ids a page at a time and keeping a few chunks in flight: plain Python,
shared by the flows (through `leadflow.tasks.config`) and the bench's re-grade child, which
measures the re-grade's memory without Prefect's imports."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R", covariant=True)


class Pending(Protocol[R]):
    """A submitted chunk's future (Prefect's or concurrent.futures')."""

    def result(self) -> R: ...


def id_pages(next_page: Callable[[int], list[int]], after: int = 0) -> Iterator[list[int]]:
    """Keyset pages of ids: `next_page(last id so far)` until it returns an empty page (flat
    memory at any size)."""
    while ids := next_page(after):
        yield ids
        after = ids[-1]


def overlapped(pages: Iterable[T], submit: Callable[[T], Pending[R]], depth: int) -> Iterator[R]:
    """Submit each page's chunk while up to `depth - 1` earlier ones still run, and yield
    their results in order."""
    running: deque[Pending[R]] = deque()
    for page in pages:
        running.append(submit(page))
        if len(running) >= depth:
            yield running.popleft().result()
    while running:
        yield running.popleft().result()
