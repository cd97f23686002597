"""A handoff package as its readers see it: Markdown and HTML, masked by the reader's role.

Budget, decision-chain notes and internal notes are for managers and directors (spec §1);
the delivery team gets the package with those fields restricted."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from leadflow.i18n import gettext as _
from leadflow.i18n import restricted
from leadflow.rules.access import mask
from leadflow.templates import render

Audience = Literal["manager", "director", "delivery"]
FULL_VIEW: frozenset[str] = frozenset({"manager", "director"})


def masked(package: dict[str, Any]) -> dict[str, Any]:
    """The package with sensitive fields hidden, for recipients outside the deal's chain."""
    return mask(package, restricted())


def view_for(package: dict[str, Any], audience: str) -> dict[str, Any]:
    """The package as `audience` may see it: whole for managers and directors."""
    return package if audience in FULL_VIEW else masked(package)


def _context(package: dict[str, Any], review_due: dt.date, audience: str) -> dict[str, Any]:
    restricted = audience not in FULL_VIEW
    shown = view_for(package, audience)
    defaults: dict[str, Any] = {
        "customer_contact": {"name": package["contacts"][0]["name"], "reach": None},
        "budget_min": "-",
        "delivery_start": None,
        "go_live": None,
        "minutes": [],  # packages made before negotiation minutes were recorded
    }
    promised = {"extras": [], **shown["promised"]}
    return {
        "p": {**defaults, **shown, "promised": promised},
        "review_due": review_due,
        "audience": _("the delivery team")
        if restricted
        else {"manager": _("managers"), "director": _("directors")}.get(audience, audience),
        "restricted": restricted,
    }


def package_markdown(
    package: dict[str, Any], review_due: dt.date, audience: str = "manager"
) -> str:
    """The package as Markdown: the mail body and the Prefect artifact."""
    return render("handoff.md.j2", **_context(package, review_due, audience))


def package_html(package: dict[str, Any], review_due: dt.date, audience: str = "manager") -> str:
    """The package as one self-contained, readable HTML page."""
    return render("handoff.html.j2", **_context(package, review_due, audience))
