"""A CSV file's records, each read whole or, when it is too large, cut and passed on alone.

The csv module reads the records. It stops at a cell over its field limit and, asked for
the next record, starts afresh at the next line, which may be the middle of that cell: a
quoted cell of many lines would come out as many junk rows, and the rows after it lost.
The csv module cannot skip to the end of the record it refused, so `_Cut` does that in
the open: it reads the refused record's text as the default dialect does, keeping each
cell's first characters and length, until the record ends. Lines are read at most
`max_row_chars` characters at a time and a record is refused past that many, so memory
holds at most about that much of any line, cell or row, whatever the file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from leadflow.sheets.reader import BAD_BYTE, SHOWN, Limits, RawRow, detect_encoding, unquoted

_START, _FIELD, _QUOTED, _QUOTE = range(4)  # the default dialect's states, as in _csv.c
_FIELD_END = re.compile("[,\r\n]")


class _RowTooLarge(Exception):
    """The record being read has more characters than a row may have."""


class _Lines:
    """The text's lines for the csv reader, each at most `max_row_chars` characters;
    it remembers the lines of the record being read and counts the file's lines."""

    def __init__(self, text: io.TextIOWrapper, max_row_chars: int) -> None:
        self.text, self.max = text, max_row_chars
        self.record: list[str] = []
        self.chars = 0
        self.line = 0  # lines read so far

    def __iter__(self) -> _Lines:
        return self

    def next_record(self) -> None:
        """The csv reader finished a record: the next line starts another."""
        self.record.clear()
        self.chars = 0

    def piece(self) -> str:
        """The next line, or its next `max_row_chars + 1` characters ('' at the end)."""
        piece = self.text.readline(self.max + 1)
        if piece[-1:] in ("\n", "\r") or (piece and len(piece) <= self.max):
            self.line += 1  # a line's last piece (the file's last line may lack its newline)
        return piece

    def __next__(self) -> str:
        piece = self.piece()
        if not piece:
            raise StopIteration
        self.record.append(piece)
        self.chars += len(piece)
        if self.chars > self.max:  # before the reader sees a piece that is not a whole line
            raise _RowTooLarge
        return piece


class _Cut:
    """One record read as the csv module's default dialect reads it, keeping each cell's
    first characters (up to `keep`, and `budget` for the whole row) and its length."""

    def __init__(self, keep: int, budget: int) -> None:
        self.keep, self.budget = keep, budget
        self.state = _START
        self.cells: list[tuple[str, int]] = []
        self.max_cells, self.dropped = budget // SHOWN, 0
        self.ended = False
        self.kept: list[str] = []
        self.kept_chars = self.length = 0

    def _add(self, text: str) -> None:
        self.length += len(text)
        # Every cell keeps its first SHOWN characters; more only while the row's budget lasts.
        room = min(self.keep, max(self.kept_chars + self.budget, SHOWN)) - self.kept_chars
        if room > 0 and text:
            part = text[:room]
            self.kept.append(part)
            self.kept_chars += len(part)
            self.budget -= len(part)

    def _end_cell(self) -> None:
        if len(self.cells) < self.max_cells:
            self.cells.append(("".join(self.kept), self.length))
        else:  # a row of countless tiny cells: they are counted, not kept
            self.dropped += 1
        self.kept, self.kept_chars, self.length = [], 0, 0
        self.state = _START

    def feed(self, text: str) -> bool:
        """Read on; True once the record has ended (what follows its end is ignored)."""
        i, n = 0, len(text)
        while i < n:
            if self.state == _QUOTED:
                j = text.find('"', i)
                self._add(text[i : j if j >= 0 else n])
                if j < 0:
                    return False
                self.state, i = _QUOTE, j + 1
            elif self.state == _QUOTE and text[i] == '"':  # a doubled quote is one quote
                self._add('"')
                self.state, i = _QUOTED, i + 1
            elif self.state == _START and text[i] == '"':
                self.state, i = _QUOTED, i + 1
            else:  # unquoted text, or what follows a closing quote, up to "," or the line's end
                self.state = _FIELD
                found = _FIELD_END.search(text, i)
                self._add(text[i : found.start() if found else n])
                if found is None:
                    return False
                self._end_cell()
                if found.group() != ",":
                    self.ended = True
                    return True
                i = found.end()
        return False

    def finish(self, limit: int) -> tuple[list[str], dict[int, int]]:
        """The cells (any over `limit`, or not kept whole, cut) and the cut cells' lengths."""
        if not self.ended:  # the file ended within the record: its last cell ends too
            self._end_cell()
        cells: list[str] = []
        cut: dict[int, int] = {}
        for i, (text, length) in enumerate(self.cells):
            if length > limit or len(text) < length:
                cut[i] = length
                text = text[:SHOWN] + f"... [cut: {length:,} characters]"
            cells.append(text)
        if self.dropped:
            cells.append(f"... [{self.dropped:,} more cells not kept]")
        return cells, cut


def csv_rows(
    path: Path, limits: Limits, encoding: str | None = None
) -> tuple[str, Iterator[RawRow]]:
    """The encoding (as given, else detected) and the file's rows."""
    if encoding is None:
        with path.open("rb") as handle:
            head = handle.read(limits.sample_bytes)
        encoding = detect_encoding(path, head, limits.damaged_share)
    return encoding, read_csv(path, encoding, limits)


def read_csv(path: Path, encoding: str, limits: Limits) -> Iterator[RawRow]:
    """The file's records, numbered by their last line; a record too large to read whole
    comes out cut, with the lengths of its cut cells, and reading goes on after it."""
    # The csv module's cell limit is process-wide; it is set to the configured limit
    # unless something in this process already raised it further.
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_cell_chars))
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
        lines = _Lines(text, limits.max_row_chars)
        reader = csv.reader(lines)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _RowTooLarge:
                yield _skip(lines, limits, too_long=True)
            except csv.Error as exc:
                if "field limit" not in str(exc):
                    yield RawRow(lines.line, [], f"cannot be read as CSV: {exc}")
                else:
                    yield _skip(lines, limits, too_long=False)
            else:
                yield _checked(lines.line, cells)
            lines.next_record()


def _skip(lines: _Lines, limits: Limits, too_long: bool) -> RawRow:
    """The record the reader refused, read to its end and cut."""
    cut = _Cut(limits.max_cell_chars + 1, limits.max_row_chars)
    ended = False
    for piece in lines.record:
        ended = cut.feed(piece)
        if ended:
            break
    while not ended and (piece := lines.piece()):
        ended = cut.feed(piece)
    cells, sizes = cut.finish(limits.max_cell_chars)
    row = _checked(lines.line, cells)
    row.cut, row.too_long = sizes, too_long
    return row


def _checked(number: int, cells: list[str]) -> RawRow:
    """A row with undecodable bytes replaced by U+FFFD, naming the columns that had them
    or a NUL character (text has none; the row is quarantined, the file read on)."""
    joined = "".join(cells)
    damaged: list[int] = []
    nul: list[int] = []
    if BAD_BYTE.search(joined):
        damaged = [i for i, c in enumerate(cells) if BAD_BYTE.search(c)]
        cells = [BAD_BYTE.sub("\ufffd", c) for c in cells]
    if "\x00" in joined:
        nul = [i for i, c in enumerate(cells) if "\x00" in c]
    return RawRow(number, [unquoted(c) for c in cells], damaged=damaged, nul=nul)
