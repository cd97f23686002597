"""Budgets as people write them, in Chinese and English (times: written_times.py).

One reader for every way a budget comes in: a register's cell, the API's "budget",
`leads add --budget`, and the need text a sales assistant typed it into
("采购型号设备,预算50-80万,Q3落地"). What it cannot read it answers with None, never a
guess: the caller keeps the text and asks a person to confirm it.

An amount with a unit (元, 千/k, 万/w, 十万, 百万, 千万, 亿, M/million), a range ("50-80万":
the unit of the second number applies to a bare first), an open end ("100万以上",
"≥10万元", "at least 100k"; "50万以内", "up to 50k") and an approximation ("20万左右",
"约20万", "around 200k": that amount, both ends)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_UNIT = {
    "元": 1,
    "千": 1_000,
    "k": 1_000,
    "thousand": 1_000,
    "万": 10_000,
    "w": 10_000,
    "十万": 100_000,
    "百万": 1_000_000,
    "千万": 10_000_000,
    "亿": 100_000_000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "million": 1_000_000,
}
# A unit that is an amount by itself: 预算百万 is a million.
_BARE = ("十万", "百万", "千万", "亿")
_UNITS = "|".join(sorted((re.escape(u) for u in _UNIT if u != "元"), key=len, reverse=True))
_CURRENCY_BEFORE = r"(?:[¥￥$]|rmb|cny|usd|us\$)?"
_CURRENCY_AFTER = r"(?:元|块|人民币|rmb|cny|yuan|usd|dollars?|美元)?"
_AMOUNT = re.compile(
    rf"{_CURRENCY_BEFORE}(?P<n>\d+(?:\.\d+)?)?(?P<u>{_UNITS})?{_CURRENCY_AFTER}", re.IGNORECASE
)
_RANGE = re.compile(r"^(?P<a>.+?)(?:-|~|～|至|到|—|–|to)(?P<b>.+)$")

# Words around an amount that say which end of the budget it is.
_AT_LEAST = (
    ("≥", ">=", ">", "至少", "不低于", "不少于", "最低", "起码", "超过", "高于", "大于"),
    ("及以上", "或以上", "以上", "+", "起", "ormore", "orabove", "andabove", "plus"),
)
_AT_LEAST_EN = ("atleast", "morethan", "over", "above", "minimum", "min")
_AT_MOST = (
    ("≤", "<=", "<", "最多", "不超过", "不高于", "最高", "低于", "小于"),
    ("及以下", "或以下", "以下", "以内", "之内", "封顶", "orless", "orbelow", "max"),
)
_AT_MOST_EN = ("upto", "under", "below", "lessthan", "maximum", "max", "within")
_ABOUT = (
    ("约", "大约", "大概", "差不多", "~", "≈"),
    ("左右", "上下", "前后", "ish"),
)
_ABOUT_EN = ("approximately", "approx.", "approx", "around", "about", "roughly", "circa", "ca.")
_FILLER = ("预算", "budget:", "budget", "是", "为", "在", ":", "：", "of", "is")


def _fold(text: str) -> str:
    """Full-width folded, lower case, no spaces, no thousands separators."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", folded)
    return re.sub(r"\s+", "", folded)


def read_amount(text: str) -> Decimal | None:
    """50万 -> 500000, "¥1,200,000" -> 1200000, 80k -> 80000, 百万 -> 1000000; else None."""
    found = _AMOUNT.fullmatch(_fold(text))
    if found is None:
        return None
    number, unit = found.group("n"), (found.group("u") or "").lower()
    if number is None:
        return Decimal(_UNIT[unit]) if unit in _BARE else None
    try:
        value = Decimal(number) * _UNIT.get(unit, 1)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None
    whole = value.to_integral_value()
    return whole if whole == value else value


@dataclass(frozen=True)
class Budget:
    """A budget's ends; an open end is None."""

    low: Decimal | None
    high: Decimal | None


def _strip(text: str, affixes: tuple[tuple[str, ...], tuple[str, ...]]) -> str | None:
    """`text` without one of the prefixes or suffixes, or None when it has none."""
    before, after = affixes
    for word in before:
        if text.startswith(word) and len(text) > len(word):
            return text.removeprefix(word)
    for word in after:
        if text.endswith(word) and len(text) > len(word):
            return text.removesuffix(word)
    return None


def read_budget(text: str) -> Budget | None:
    """A budget as written: a range, an open end, an approximation or one amount."""
    core = _fold(text)
    for word in _FILLER:  # "预算: 50万" in a cell that already says it is the budget
        if core.startswith(word) and len(core) > len(word):
            core = core.removeprefix(word)
    kind = "exact"
    for _ in range(3):  # "约100万以上": an approximation of an open end
        for name, affixes in (
            ("at_least", (_AT_LEAST[0] + _AT_LEAST_EN, _AT_LEAST[1])),
            ("at_most", (_AT_MOST[0] + _AT_MOST_EN, _AT_MOST[1])),
            ("about", (_ABOUT[0] + _ABOUT_EN, _ABOUT[1])),
        ):
            rest = _strip(core, affixes)
            if rest is not None:
                core = rest
                kind = kind if name == "about" and kind != "exact" else name
                break
        else:
            break
    one = read_amount(core)
    if one is not None:
        return {
            "at_least": Budget(one, None),
            "at_most": Budget(None, one),
        }.get(kind, Budget(one, one))
    found = _RANGE.match(core)
    if found is None or kind != "exact":
        return None
    low_text, high_text = found.group("a"), found.group("b")
    high_unit, low_unit = _AMOUNT.fullmatch(high_text), _AMOUNT.fullmatch(low_text)
    if high_unit and low_unit and high_unit.group("u") and not low_unit.group("u"):
        low_text += high_unit.group("u")
    low, high = read_amount(low_text), read_amount(high_text)
    if low is None or high is None or low > high:
        return None
    return Budget(low, high)


# The budget inside a need: "预算50-80万", "budget of 50k-80k", "预算：20万左右".
_BUDGET_WORDS = re.compile(
    r"(?:预算|经费|费用预计|budget)(?:大概|大约|约|是|为|在|:|：|of|is|\s)*"
    r"(?P<text>[¥￥$≥≤<>=~约]*\s*[\d.,]+\s*[^\s,，;；。、)）]*"
    r"(?:\s*(?:-|~|～|至|到|to)\s*[¥￥$]?[\d.,]+\s*[^\s,，;；。、)）]*)?)",
    re.IGNORECASE,
)


_LONGEST_BUDGET = 40  # characters: "约50万元-80万元人民币以上" and more fit; a page does not


def budget_in(text: str) -> tuple[Budget, str] | None:
    """The budget a need states ("…,预算50-80万,Q3落地"), with the words it was read from."""
    for found in _BUDGET_WORDS.finditer(unicodedata.normalize("NFKC", text)):
        words = found.group("text").strip()[:_LONGEST_BUDGET]
        # The amount may run into the next words ("50-80万元的设备"): read the longest
        # prefix that is a budget.
        for end in range(len(words), 0, -1):
            budget = read_budget(words[:end])
            if budget is not None:
                return budget, found.group(0)[: found.start("text") - found.start() + end]
    return None
