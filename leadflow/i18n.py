"""The team's language: gettext message catalogs and Babel's number and date formats.

The locale comes from `LEADFLOW_LOCALE` (settings) unless a caller chooses one for a block
with `use_locale` (`leadflow report review --locale`). English is the source language;
every other language is a catalog in `leadflow/locale/<locale>/LC_MESSAGES/messages.po`,
compiled to `messages.mo` beside it (see the README's "The team's language" for updating
them). Vocabulary values (channels, states, grades, ...) are labelled by `label`, whose
messages are the enums of `leadflow.rules.vocab` themselves (`extract_vocabulary`)."""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from functools import lru_cache
from typing import IO, Any

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import (
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
)
from babel.support import NullTranslations, Translations

from leadflow.errors import InvalidInput
from leadflow.locales import DOMAIN, SOURCE_LOCALE, available_locales, check_locale, locale_dir
from leadflow.phrases import N_ as N_  # re-exported: the reports mark their messages with it
from leadflow.phrases import Phrase
from leadflow.rules import explain as phrases
from leadflow.rules import vocab
from leadflow.settings import get_settings

_chosen: ContextVar[str | None] = ContextVar("leadflow_locale", default=None)

# The closed vocabularies whose values are shown to people, by message context.
VOCABULARIES: dict[str, type[StrEnum]] = {
    "channel": vocab.Channel,
    "state": vocab.State,
    "grade": vocab.Grade,
    "priority": vocab.Priority,
    "loss_reason": vocab.LossReason,
    "company_size": vocab.CompanySize,
    "contact_role": vocab.ContactRole,
    "activity_channel": vocab.ActivityChannel,
    "urgency": vocab.Urgency,
    "competition": vocab.Competition,
    "decision_chain": vocab.DecisionChain,
    "objection_kind": vocab.ObjectionKind,
    "role": vocab.Role,
    "seniority": vocab.Seniority,
    "budget_match": vocab.BudgetMatch,
    "behaviour": vocab.BehaviourKind,
    "account_tier": vocab.AccountTier,
    "customer_type": vocab.CustomerType,
}
# Values that reports show beside a vocabulary's own: the funnel's first step, and what a
# review calls a missing loss reason or priority.
EXTRA_VALUES: dict[str, tuple[str, ...]] = {
    "state": ("created",),
    "loss_reason": ("unknown",),
    "priority": ("unknown",),
    "account_tier": ("none",),
    # The lead machine's triggers (statemachines.lead.TRIGGERS), as the audit names them,
    # and the actors that are LeadFlow itself rather than a person.
    "trigger": (
        "screen",
        "disqualify",
        "start_nurturing",
        "qualify",
        "requalify",
        "start_negotiation",
        "win",
        "lose",
        "reactivate",
        "reinstate",
    ),
    "actor": ("intake", "system"),
    # What a rep owes a lead (leadflow.followup.due.KINDS), as My day lists it.
    "reminder": vocab.REMINDER_KINDS,
}


def current_locale() -> str:
    """The locale chosen for this block, else the configured LEADFLOW_LOCALE."""
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    return get_settings().locale


@contextmanager
def use_locale(name: str | None) -> Iterator[str]:
    """Speak `name` (or the configured locale, when None) inside the block."""
    token = _chosen.set(check_locale(name) if name else current_locale())
    try:
        yield _chosen.get() or SOURCE_LOCALE
    finally:
        _chosen.reset(token)


@lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    """The compiled catalog of a locale (English: the messages as written)."""
    if locale == SOURCE_LOCALE:
        return NullTranslations()
    found = Translations.load(str(locale_dir()), [locale], DOMAIN)
    if not isinstance(found, Translations):
        raise InvalidInput(
            f"locale: no compiled catalog for {locale!r} in {locale_dir()}",
            {"locale": "no catalog"},
        )
    return found


def gettext(message: str) -> str:
    """`message` in the current language."""
    return translations(current_locale()).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for `n`, in the current language."""
    return translations(current_locale()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in `context` (a vocabulary, a sheet), in the current language."""
    return str(translations(current_locale()).pgettext(context, message))


def say(text: object) -> str:
    """`text` in the current language: a Phrase (a refusal, a validation message) from the
    catalog with its values said too; any other text as it is."""
    if not isinstance(text, Phrase):
        return str(text)
    if current_locale() == SOURCE_LOCALE:
        return str(text)  # its English, as written where it was raised
    said = gettext(text.msgid)
    return said.format(**{k: say(v) for k, v in text.values.items()}) if text.values else said


def said_error(exc: BaseException) -> str:
    """An error's message in the current language (its Phrase, when it was raised with one)."""
    return say(exc.args[0]) if len(exc.args) == 1 else str(exc)


def said_fields(errors: dict[str, str]) -> dict[str, str]:
    """Field -> message, the messages in the current language (the field names as given)."""
    return {field: say(text) for field, text in errors.items()}


def asked_locale(accept_language: str | None) -> str | None:
    """The locale an HTTP Accept-Language asks for among those LeadFlow speaks, by its
    q-values ('zh-CN', 'zh' and 'zh-Hans' are zh_CN); None when it names none of them."""
    wanted = []
    for place, item in enumerate((accept_language or "").split(",")):
        tag, _, weight = item.strip().partition(";q=")
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            continue  # a malformed entry is passed over, as RFC 9110 lets a server do
        if tag.strip() and quality > 0:
            wanted.append((-quality, place, tag.strip().replace("-", "_").lower()))
    spoken = available_locales()
    for _, _, tag in sorted(wanted):
        exact = [known for known in spoken if known.lower() == tag]
        language = [known for known in spoken if known.lower().split("_")[0] == tag.split("_")[0]]
        if exact or language:
            return (exact or language)[0]
    return None


def label(vocabulary: str, value: object) -> str:
    """A vocabulary value (a channel, state, grade, loss reason, priority, ...) as the
    reader's language names it: 'trade_show' is 'trade show' in English, '展会' in zh_CN."""
    if value is None or value == "":
        return "-"
    return pgettext(vocabulary, str(value).replace("_", " "))


def actor(name: str | None) -> str:
    """Who made a change: a person's id as written, LeadFlow's own parts (intake,
    system) in the reader's language."""
    return label("actor", name) if name in EXTRA_VALUES["actor"] else (name or "-")


def read_label(vocabulary: str, text: object) -> object:
    """A vocabulary value from what a person typed: the value itself, or its label in any
    language LeadFlow speaks ('重点客户' is `key` as an account tier, '个人' is `individual`).
    Anything else is returned as given, for the field's own check to name."""
    if not isinstance(text, str):
        return text
    wanted = text.strip()
    for value in VOCABULARIES[vocabulary]:
        for locale in available_locales():
            shown = str(translations(locale).pgettext(vocabulary, value.value.replace("_", " ")))
            if wanted in (value.value, shown):
                return value.value
    return text


def extract_vocabulary(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """A Babel extraction method (babel.cfg) for leadflow/rules/vocab.py: every label that
    `label` can ask for, as a pgettext message with its vocabulary as context."""
    for context in dict.fromkeys([*VOCABULARIES, *EXTRA_VALUES]):
        enum = VOCABULARIES.get(context, ())
        for value in [*(v.value for v in enum), *EXTRA_VALUES.get(context, ())]:
            yield 0, "pgettext", (context, value.replace("_", " ")), [f"vocabulary: {context}"]


# System-made explanations (leadflow.rules.explain), in the reader's language.


def _pattern(phrase: str) -> re.Pattern[str]:
    """A pattern that reads a phrase's values back out of its filled-in text."""
    return re.compile(
        "".join(
            re.escape(text) + (f"(?P<{name}>.+?)" if name else "")
            for text, name, _spec, _conv in string.Formatter().parse(phrase)
        ),
        re.S,
    )


@lru_cache(maxsize=1)
def _phrase_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each phrase, with its pattern."""
    return tuple((phrase, _pattern(phrase)) for phrase in phrases.PHRASES)


@lru_cache(maxsize=1)
def _list_patterns() -> dict[str, tuple[str, re.Pattern[str]]]:
    """Each listing placeholder's item phrase, with its pattern."""
    return {name: (phrase, _pattern(phrase)) for name, phrase in phrases.LISTS.items()}


def _bant_test(name: str) -> str:
    names = {
        "budget": pgettext("bant", "budget"),
        "authority": pgettext("bant", "authority"),
        "need": pgettext("bant", "need"),
        "need (vague)": pgettext("bant", "need (vague)"),
        "timeline": pgettext("bant", "timeline"),
    }
    return names.get(name, name)


def _listed(name: str, text: str) -> str:
    """A list of one phrase's items (close rates, profile parts), item by item."""
    phrase, pattern = _list_patterns()[name]
    items = []
    for item in re.split(r"(?<=\)), ", text):
        found = pattern.fullmatch(item)
        items.append(_filled(phrase, found.groupdict()) if found else item)
    return gettext(", ").join(items)


# Values that are a phrase of their own, by placeholder.
_TRANSLATED = {("part", v) for v in phrases.PROFILE_PARTS} | {("fit", v) for v in phrases.FITS}


def _filled(phrase: str, found: dict[str, str]) -> str:
    values: dict[str, str] = {}
    for name, value in found.items():
        if name in phrases.LABELLED:
            values[name] = label(phrases.LABELLED[name], value)
        elif name == "failed":
            values[name] = gettext(", ").join(_bant_test(v) for v in value.split(", "))
        elif name == "missing":
            values[name] = gettext(", ").join(explain(v) for v in value.split(", "))
        elif name in phrases.LISTS:
            values[name] = _listed(name, value)
        elif (name, value) in _TRANSLATED:
            values[name] = gettext(value)
        else:
            values[name] = explain(value)
    return gettext(phrase).format(**values)


def explain(text: str | None) -> str:
    """A system-made explanation (an assignment, screening or transition reason) in the
    current language, phrase by phrase; what no phrase matches (a person's own words,
    a name) is kept as written."""
    if not text:
        return text or ""
    for phrase, pattern in _phrase_patterns():
        found = pattern.fullmatch(text)
        if found is not None:
            return _filled(phrase, found.groupdict())
    if phrases.STEP in text:
        return gettext("; ").join(explain(step) for step in text.split(phrases.STEP))
    return text


# Numbers and dates, as Babel writes them for the current locale (CLDR data).


def _babel() -> Locale:
    return _parsed(current_locale())


@lru_cache(maxsize=8)
def _parsed(locale: str) -> Locale:
    """Babel's locale object; parsing one costs about 40 µs (measured), so once."""
    return Locale.parse(locale)


def not_available() -> str:
    """What a number reads as when there is nothing to measure."""
    return gettext("n/a")


def restricted() -> str:
    """What a field hidden from its reader (budget, notes) reads as."""
    return gettext("(restricted)")


def number(value: float | None, digits: int = 0) -> str:
    """A count or amount with the locale's grouping: 1,234 (or 1,234.5 with digits=1)."""
    if value is None:
        return not_available()
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_babel())


def money(value: float | None, digits: int = 2) -> str:
    """An amount: in the configured currency (LEADFLOW_CURRENCY) when there is one, else a
    plain number with the locale's grouping and `digits` decimals."""
    if value is None:
        return not_available()
    currency = get_settings().currency
    if currency:
        pattern = "¤#,##0" + ("." + "0" * digits if digits else "")
        return format_currency(
            value, currency, format=pattern, locale=_babel(), currency_digits=False
        )
    return number(value, digits)


def percent(share: float | None, digits: int = 1) -> str:
    """A share of 1 as a percentage: 0.125 is 12.5%."""
    if share is None:
        return not_available()
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(share, format=pattern, locale=_babel())


def compact(value: float) -> str:
    """An axis amount, short: 250K and 1.5M in English, 25万 in Chinese."""
    return format_compact_decimal(value, fraction_digits=1, locale=_babel())


def day(value: dt.date | str | None) -> str:
    """A date as the locale writes it: Sep 30, 2026 / 2026年9月30日."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, format="medium", locale=_babel())


def moment(value: dt.datetime | str | None) -> str:
    """A time (UTC) as the locale writes it: Sep 30, 2026, 14:05 / 2026年9月30日 14:05."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return _moment(current_locale(), value.astimezone(dt.UTC).replace(second=0, microsecond=0))


@lru_cache(maxsize=4096)
def _moment(locale: str, value: dt.datetime) -> str:
    # Cached: a chunk of leads assigned together shares a few due times, and formatting one
    # costs about 30 µs (measured), a tenth of a lead's whole intake.
    here = _parsed(locale)
    # The locale's own way of joining a date and a time ("{1}, {0}", "{1} {0}").
    joined = str(get_datetime_format("medium", locale=here))
    return (
        joined.replace("'", "")
        .replace("{1}", format_date(value.date(), "medium", here))
        .replace("{0}", format_time(value.time(), "HH:mm", locale=here))
    )
