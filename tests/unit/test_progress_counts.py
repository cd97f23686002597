"""Progress as counts: services and flows report it, only a watcher in context hears it."""

from __future__ import annotations

from leadflow.flows.common import tell, watching
from leadflow.progress import counted


def test_counted_passes_items_through_and_reports_every_n_and_at_the_end():
    heard: list[tuple[int, int | None]] = []
    items = list(counted(range(7), lambda done, total: heard.append((done, total)), 7, every=3))
    assert items == list(range(7))
    assert heard == [(3, 7), (6, 7), (7, 7)]
    assert list(counted("ab", None)) == ["a", "b"]  # nobody listening


def test_tell_reaches_only_the_watcher_of_its_context():
    heard: list[tuple[str, int, int | None]] = []
    tell("days", 1, 3)  # unwatched: nothing happens
    with watching(lambda stage, done, total: heard.append((stage, done, total))):
        tell("days", 2, 3)
    tell("days", 3, 3)
    assert heard == [("days", 2, 3)]
