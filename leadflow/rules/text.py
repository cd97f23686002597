"""Text a lead's fields may hold: the control characters each kind of field refuses, and
the refusal, which names the character by its code point and never repeats the text."""

from __future__ import annotations

import re

from leadflow.phrases import N_

# C0 controls, DEL and C1 controls: no person types them, a terminal runs them, and XML
# (an XLSX workbook) cannot hold most of them (issue 30: a company name with \x0b failed
# every workbook). A one-line field (a name, a phone, a tag) holds none of them.
_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")
# A field of several lines (the need, notes, an event's detail) keeps tab and line breaks,
# CR included: text pasted from Windows ends its lines with CR LF.
_IN_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_problem(text: str, lines: bool = False) -> str | None:
    """Why `text` cannot be stored in a one-line field (or, with `lines`, a field of several
    lines), naming the character's code point and place, never the text; None if it can."""
    found = (_IN_LINES if lines else _IN_A_LINE).search(text)
    if found is None:
        return None
    if found[0] == "\x00":  # PostgreSQL text cannot hold NUL
        return N_("contains a NUL character (\\x00), which cannot be stored")
    allowed = (
        N_("only tab and line breaks are allowed here")
        if lines
        else N_("a one-line field holds no tab, line break or other control character")
    )
    return N_(
        "contains the control character {code} at character {place}, which cannot be "
        "stored; {allowed}",
        code=f"U+{ord(found[0]):04X}",
        place=found.start() + 1,
        allowed=allowed,
    )


def _escape(found: re.Match[str]) -> str:
    return found[0].encode("unicode_escape").decode("ascii")


def escaped(text: str, pattern: re.Pattern[str] = _IN_LINES) -> str:
    """`text` with each character `pattern` matches (by default the control characters a
    field of several lines refuses) written as its escape (\\x0b, \\u202e): shown, never
    run, never refused by the output (a value stored before entries refused them)."""
    return pattern.sub(_escape, text)
