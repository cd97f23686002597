"""The win model's factors in the reader's language: a factor is stored in English, as
`leadflow.winmodel.explain` writes it from its phrases; here it is matched back to its
phrase and its value labelled (a channel, a grade, a contact role) where it is shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from leadflow.i18n import gettext, label
from leadflow.phrases import N_
from leadflow.winmodel.explain import FLAGS, FRAMES, NOTHING_STANDS_OUT, OBJECTIONS, POINTS
from leadflow.winmodel.features import NONE

# The vocabulary a categorical factor's value belongs to (the others are free text).
_VOCABULARY = {
    "source": "channel",
    "company_size": "company_size",
    "contact_role": "contact_role",
    "grade": "grade",
    "opportunity_grade": "grade",
    "priority": "priority",
}
# A factor masked from its reader (leadflow.rules.access.mask_factors), as written there.
_HIDDEN = {
    "confirmed budget (hidden)": N_("confirmed budget (hidden)"),
    "budget band (hidden)": N_("budget band (hidden)"),
}
_MISSING = (NONE, "none")


def _value(feature: str, value: str) -> str:
    if value in _MISSING:
        return gettext("none")
    return label(_VOCABULARY[feature], value) if feature in _VOCABULARY else value


def factor_said(factor: Mapping[str, Any]) -> str:
    """One factor's words (`source trade_show` is `渠道 展会` in zh_CN); a factor stored
    before its feature was recorded, or that no phrase matches, is shown as written."""
    english, feature = str(factor.get("factor", "")), factor.get("feature")
    if english in _HIDDEN:
        return gettext(_HIDDEN[english])
    for phrase in FLAGS.get(feature or "", ()):
        if english == phrase:
            return gettext(phrase)
    if feature in FRAMES:
        prefix = FRAMES[feature].split("{value}")[0]
        if english.startswith(prefix):
            value = _value(feature, english.removeprefix(prefix))
            return gettext(FRAMES[feature]).format(value=value)
    if feature and feature.startswith("objections_"):
        kind = feature.removeprefix("objections_")
        prefix = OBJECTIONS.format(kind=kind.replace("_", " "), value="")
        if english.startswith(prefix):
            shown = label("objection_kind", kind)
            return gettext(OBJECTIONS).format(kind=shown, value=english.removeprefix(prefix))
    return english


def why_said(factors: Iterable[Mapping[str, Any]]) -> str:
    """What moved a lead's win probability, in the reader's language:
    `source trade_show +8 pts, contact role decision_maker +6 pts`."""
    return gettext(", ").join(
        gettext(POINTS).format(factor=factor_said(f), points=f"{f['points']:+.0f}") for f in factors
    )


def nothing_stands_out() -> str:
    """What a lead's explanation says when no factor moved it."""
    return gettext(NOTHING_STANDS_OUT)
