"""pydantic's validation errors in the catalogues: one message per error `type`, with the
error's context (max_length, ge, expected, ...) as its values. The English stays pydantic's
own words (tests and clients read them); other languages take the catalogue's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leadflow.phrases import N_, Phrase

# By pydantic's error type (pydantic_core's ErrorType); the placeholders are the error's ctx.
BY_TYPE: dict[str, str] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "string_type": N_("Input should be a valid string"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "string_pattern_mismatch": N_("String should match pattern {pattern}"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number"),
    "decimal_type": N_("Input should be a valid number"),
    "decimal_parsing": N_("Input should be a valid number"),
    "bool_type": N_("Input should be true or false"),
    "bool_parsing": N_("Input should be true or false"),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "too_long": N_("Should have at most {max_length} items, not {actual_length}"),
    "too_short": N_("Should have at least {min_length} items, not {actual_length}"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "timezone_aware": N_("Input should have timezone info"),
    "datetime_type": N_("Input should be a valid datetime"),
    "datetime_parsing": N_("Input should be a valid datetime"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime"),
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date"),
    "date_from_datetime_parsing": N_("Input should be a valid date"),
    "date_from_datetime_inexact": N_("Input should be a valid date"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be an object"),
    "model_attributes_type": N_("Input should be an object"),
    "json_invalid": N_("Invalid JSON"),
    "json_type": N_("Input should be JSON"),
}
# pydantic's errors for a value outside a fixed set; their message lists the allowed
# values but not the one given, which a user must then find in their input.
CHOICE_ERRORS = {"enum", "literal_error"}


def error_text(err: Mapping[str, Any]) -> str:
    """pydantic's message for one error, quoting the value given when it is not one of
    the allowed ones ("Input should be 'A', 'B' or 'C', not 'Z'"); a Phrase, so an edge
    writes it in the reader's language."""
    english = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    kind = str(err.get("type", ""))
    context = dict(err.get("ctx") or {})
    raised = context.get("error")
    if isinstance(raised, Exception) and raised.args and isinstance(raised.args[0], Phrase):
        return raised.args[0]  # a validator of ours: its own words
    if kind in CHOICE_ERRORS and "input" in err:
        given = repr(err["input"])
        given = given if len(given) <= 60 else given[:57] + "..."
        return Phrase.worded(
            f"{english}, not {given}",
            N_("Input should be {expected}, not {given}"),
            {"expected": context.get("expected", ""), "given": given},
        )
    if kind in BY_TYPE:
        values = {k: v for k, v in context.items() if f"{{{k}}}" in BY_TYPE[kind]}
        return Phrase.worded(english, BY_TYPE[kind], values)
    return Phrase.worded(english, N_("Invalid value ({kind})"), {"kind": kind or "?"})
