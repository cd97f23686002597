"""The form in which names (sheet headers, fields, cell words) are compared."""

from __future__ import annotations

import unicodedata


def normal(text: str) -> str:
    """The form names and values are matched in: full-width folded, case and spaces
    ignored, a trailing `*` (a required-column marker) dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip().rstrip("*")
    return " ".join(folded.split())
