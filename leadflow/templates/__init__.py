"""Jinja2 templates of the documents LeadFlow writes (handoff packages, the review).

HTML templates (`*.html.j2`) are autoescaped, so a company called `<script>` stays text,
and every template shows a control character as its escape (`\\x0b`);
Markdown templates escape table cells with the `cell` filter instead. Each locale has its
own environment with its catalog installed (jinja2.ext.i18n), so `_()` in a template
speaks the current locale (leadflow.i18n)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

from jinja2 import Environment, PackageLoader, StrictUndefined

from leadflow import i18n
from leadflow.rules.text import escaped
from leadflow.winmodel.words import why_said


def md_cell(value: object) -> str:
    """A value fit for a Markdown table cell: n/a for None, pipes escaped, one line."""
    text = "-" if value is None or value == "" else str(value)
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _shown(value: object) -> object:
    # Every {{ }} before escaping: a control character stored before entries refused them
    # is shown as its escape (\x0b); Markup is the template's own and left as it is.
    return escaped(value) if type(value) is str else value


def _vocab(value: object, vocabulary: str) -> str:
    return i18n.label(vocabulary, value)


@lru_cache(maxsize=8)
def environment(locale: str = i18n.SOURCE_LOCALE) -> Environment:
    """The template environment of one locale (built on first use, never at import)."""
    env = Environment(
        loader=PackageLoader("leadflow", "templates"),
        autoescape=lambda name: name is not None and ".html" in name,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
        finalize=_shown,
    )
    # jinja2.ext.i18n adds install_gettext_translations to the environment it extends.
    cast(Any, env).install_gettext_translations(i18n.translations(locale), newstyle=True)
    env.filters.update(
        cell=md_cell,
        vocab=_vocab,
        day=i18n.day,
        moment=i18n.moment,
        explain=i18n.explain,
        number=i18n.number,
        money=i18n.money,
        percent=i18n.percent,
    )
    env.globals["lang"] = locale.replace("_", "-")
    env.globals["why_said"] = why_said
    return env


def render(name: str, **context: Any) -> str:
    """Render one template of this package in the current locale."""
    return environment(i18n.current_locale()).get_template(name).render(**context)
