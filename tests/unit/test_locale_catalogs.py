"""The message catalogs stay in step with the code: every message that the code and the
templates show is in each catalog and translated, the placeholders match, and the compiled
`.mo` files (committed, installed as package data) are what their `.po` files compile to.

When one of these fails after a change of wording, update the catalogs as the README's
"The team's language" says (pybabel extract, update, translate, compile)."""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from leadflow.locales import available_locales, locale_dir

ROOT = Path(__file__).resolve().parents[2]
LOCALES = [name for name in available_locales() if name != "en"]
PERCENT_NAMED = re.compile(r"%\((\w+)\)s")


def _catalog(locale: str) -> Catalog:
    with open(locale_dir() / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


@pytest.fixture(scope="module")
def extracted() -> set[tuple[str | None, str]]:
    """(context, message) of every message in the code and templates, as babel.cfg says."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        for text in message if isinstance(message, tuple) else (message,):
            found.add((context, text))
    return found


def _names(text: str) -> set[str]:
    braces = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return braces | set(PERCENT_NAMED.findall(text))


def test_chinese_is_built_in():
    assert "zh_CN" in LOCALES


def test_the_code_has_messages(extracted):
    assert ("channel", "trade show") in extracted  # from the vocabulary's enums
    assert (None, "Lead register") in extracted  # from the workbook's sheet titles
    assert (None, "Contract value") in extracted  # from a template
    assert len(extracted) > 250


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale, extracted):
    catalog = _catalog(locale)
    known = {(m.context, m.id): m for m in catalog if m.id}
    missing = sorted(extracted - known.keys(), key=str)
    assert not missing, f"{locale}: not in the catalog (pybabel update): {missing[:10]}"
    untranslated = [k for k in extracted if not known[k].string or known[k].fuzzy]
    assert not untranslated, f"{locale}: untranslated or fuzzy: {untranslated[:10]}"
    stale = sorted(known.keys() - extracted, key=str)
    assert not stale, f"{locale}: no longer in the code (pybabel update): {stale[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    for message in _catalog(locale):
        if message.id:
            assert _names(message.string) == _names(message.id), message.id


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalog_is_up_to_date(locale):
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(locale))
    committed = (locale_dir() / locale / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert compiled.getvalue() == committed, (
        f"{locale}: messages.mo is older than messages.po: run `pybabel compile -d leadflow/locale`"
    )
