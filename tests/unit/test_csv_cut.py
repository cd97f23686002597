"""The reader that skips a refused CSV record reads it as the csv module would: the same
cells, ending at the same place, however its quotes, commas and line breaks fall."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from leadflow.sheets.csv_reader import _Cut

CSV_TEXT = st.text(alphabet='ab,"\n\r', min_size=1, max_size=60).filter(
    lambda t: t[0] not in "\r\n"  # an empty line is no record to skip
)


def _first_record(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text, newline="")))


@given(CSV_TEXT)
def test_cut_reads_a_record_as_the_csv_module_does(text: str) -> None:
    cut = _Cut(keep=1000, budget=10_000)
    for line in io.StringIO(text, newline=""):
        if cut.feed(line):
            break
    cells, sizes = cut.finish(limit=1000)
    assert (cells, sizes) == (_first_record(text), {})


@given(st.lists(st.text(alphabet='xy,"\n', max_size=30), min_size=1, max_size=5))
def test_cut_keeps_the_first_characters_and_the_length_of_a_cell(cells: list[str]) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    cut = _Cut(keep=11, budget=10_000)
    assert any(cut.feed(line) for line in io.StringIO(buffer.getvalue(), newline=""))
    kept, sizes = cut.finish(limit=10)
    expected = {i: len(c) for i, c in enumerate(cells) if len(c) > 10}
    assert sizes == expected
    for i, cell in enumerate(cells):
        shown = cell if i not in expected else f"{cell[:11]}... [cut: {len(cell):,} characters]"
        assert kept[i] == shown
