"""A refusal's words as the catalogues know them: the message, its values, and the English
they read as until an edge (the CLI's error line, the API's JSON) writes them in the
reader's language with `leadflow.i18n.say`. It imports nothing, so rules, services and
errors can all mark their messages with `N_`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Phrase(str):
    """A message of the catalogues with its values: English (the source language) wherever
    it is used as text, and its `msgid` and `values` for `say` to translate at the edge."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, /, **values: Any) -> Phrase:
        return cls.worded(msgid.format(**values) if values else msgid, msgid, values)

    @classmethod
    def worded(cls, english: str, msgid: str, values: dict[str, Any]) -> Phrase:
        """A phrase whose English is written elsewhere (pydantic's own message), with the
        catalogue's message and values for the other languages."""
        phrase = str.__new__(cls, english)
        phrase.msgid, phrase.values = msgid, dict(values)
        return phrase


def N_(message: str, /, **values: Any) -> Phrase:  # noqa: N802  (gettext's name for a deferred message)
    """Mark a message for the catalogues, with the values its {placeholders} take; it is
    translated later, where it is shown."""
    return Phrase(message, **values)


def listed(errors: Mapping[str, str]) -> Phrase:
    """'field: message; field: message', each message said in the reader's language and
    each field named as given (the whole is no message of its own: nothing to translate)."""
    values: dict[str, str] = {}
    for place, (field, text) in enumerate(errors.items()):
        values |= {f"field{place}": field, f"text{place}": text}
    template = "; ".join(f"{{field{i}}}: {{text{i}}}" for i in range(len(errors)))
    return Phrase.worded("; ".join(f"{k}: {v}" for k, v in errors.items()), template, values)


def either(choices: list[str]) -> str:
    """Choices as a refusal offers them: 'a', 'a or b', 'a, b or c' (the choices as given)."""
    if len(choices) < 2:
        return "".join(choices)
    return N_("{choices} or {last}", choices=", ".join(choices[:-1]), last=choices[-1])
