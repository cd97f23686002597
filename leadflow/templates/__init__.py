"""Jinja2 templates of the documents LeadFlow writes (handoff packages, the review).

HTML templates (`*.html.j2`) are autoescaped, so a company called `<script>` stays text;
Markdown templates escape table cells with the `cell` filter instead."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


def md_cell(value: object) -> str:
    """A value fit for a Markdown table cell: n/a for None, pipes escaped, one line."""
    text = "-" if value is None or value == "" else str(value)
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The shared template environment (built on first use, never at import)."""
    env = Environment(loader=PackageLoader("leadflow", "templates"),
                      autoescape=lambda name: name is not None and ".html" in name,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["cell"] = md_cell
    return env


def render(name: str, **context: Any) -> str:
    """Render one template of this package."""
    return environment().get_template(name).render(**context)
