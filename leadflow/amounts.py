"""Amounts at the edges: a JSON number with at most two decimal places, or a decimal string
("1200000", "1,200,000.50"). The OpenAPI's pattern and the server's check are one regex, so
what the schema admits is exactly what is read; amounts as people write them ("50-80万",
"120万") go in a lead's `budget`, which is read as written."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from leadflow.phrases import N_

# A Numeric(14, 2) column: twelve whole digits and cents.
MAX_AMOUNT = Decimal("999999999999.99")
_CENTS = r"(?:\.[0-9]{1,2})?"
# Whole yuan: plain digits, or digits grouped by three with commas; no leading zeros.
_WHOLE = r"[1-9][0-9]{0,11}|[1-9][0-9]{0,2}(?:,[0-9]{3}){1,3}"
AMOUNT_PATTERN = rf"^(?:(?:0|{_WHOLE}){_CENTS})$"
# Above zero: a price or a contract value (0.00 is no price).
PRICE_PATTERN = rf"^(?:(?:{_WHOLE}){_CENTS}|0\.(?:0[1-9]|[1-9][0-9]?))$"
_EXAMPLES = N_('a number with at most two decimals, or digits as text ("1200000", "1,200,000.50")')


def _typed(pattern: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(N_("an amount is {examples}, not true or false", examples=_EXAMPLES))
        if isinstance(value, str):
            if not compiled.fullmatch(value):
                raise ValueError(
                    N_(
                        "an amount is {examples}; a budget as people write it (50-80万) "
                        "goes in budget",
                        examples=_EXAMPLES,
                    )
                )
            return Decimal(value.replace(",", ""))
        return value

    return BeforeValidator(check)


def _schema(pattern: str, low: dict[str, int]) -> WithJsonSchema:
    number = {"type": "number", **low, "maximum": float(MAX_AMOUNT), "multipleOf": 0.01}
    return WithJsonSchema(
        {
            "anyOf": [number, {"type": "string", "pattern": pattern}],
            "description": f"An amount: {_EXAMPLES}",
        }
    )


Amount = Annotated[
    Decimal,
    _typed(AMOUNT_PATTERN),
    Field(ge=0, le=MAX_AMOUNT, max_digits=14, decimal_places=2),
    _schema(AMOUNT_PATTERN, {"minimum": 0}),
]
Price = Annotated[
    Decimal,
    _typed(PRICE_PATTERN),
    Field(gt=0, le=MAX_AMOUNT, max_digits=14, decimal_places=2),
    _schema(PRICE_PATTERN, {"exclusiveMinimum": 0}),
]
