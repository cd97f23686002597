"""Nothing in the tests depends on today's date: they build dates from tests/factories.py
NOW, or pass times in. The wall clock is read in one place, `factories.wall_clock()`, which
the tests of entry points that stamp it themselves (the CLI, the API, the flows) call by
name; CI also runs the default suite a year ahead under faketime (.ci/run)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parents[1]
# datetime.now(), datetime.utcnow() and date.today() however datetime was imported, and
# time.time(); dt.time(9) is a time of day, not a clock read.
CLOCK_READS = {("now", "datetime"), ("utcnow", "datetime"), ("today", "date"), ("time", "time")}


def _clock_reads(source: str) -> list[str]:
    """The calls in `source` that read the wall clock, as 'line: call'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if (node.func.attr, name) in CLOCK_READS:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_checker_finds_each_way_of_reading_the_clock():
    source = "\n".join(
        [
            "a = dt.datetime.now(dt.UTC)",
            "b = date.today()",
            "c = datetime.utcnow()",
            "d = time.time()",
            "e = dt.date.today()",
            "f = NOW + dt.timedelta(days=1)",
            "g = dt.time(9)",
            "h = f.wall_clock()",
        ]
    )
    assert [read.split(":")[0] for read in _clock_reads(source)] == ["1", "2", "3", "4", "5"]


def test_only_the_factories_read_the_wall_clock():
    reads = {
        str(path.relative_to(TESTS)): found
        for path in sorted(TESTS.rglob("*.py"))
        if path.name != "factories.py" and (found := _clock_reads(path.read_text("utf-8")))
    }
    assert reads == {}, "use tests/factories.py NOW (or f.wall_clock() for an entry point)"
