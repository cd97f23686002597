"""Which languages LeadFlow speaks: English, and each locale with a compiled catalog in the
package. Settings validate LEADFLOW_LOCALE against it and leadflow.i18n loads the catalogs
from it; it imports neither, so the two never import each other."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from leadflow.errors import InvalidInput
from leadflow.phrases import N_

SOURCE_LOCALE = "en"
DOMAIN = "messages"


def locale_dir() -> Path:
    """Where the compiled catalogs are installed (inside the package)."""
    return Path(str(files("leadflow"))) / "locale"


def available_locales() -> list[str]:
    """English, and every locale with a compiled catalog."""
    found = sorted(p.parent.parent.name for p in locale_dir().glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return [SOURCE_LOCALE, *found]


def check_locale(name: str) -> str:
    """A locale LeadFlow speaks ('zh-CN' is read as 'zh_CN'), or InvalidInput naming it."""
    wanted = name.strip().replace("-", "_")
    for known in available_locales():
        if known.lower() == wanted.lower():
            return known
    raise InvalidInput(
        N_(
            "locale: {name!r} is not available; choose one of {locales}",
            name=name,
            locales=", ".join(available_locales()),
        ),
        {"locale": "unknown locale"},
    )
