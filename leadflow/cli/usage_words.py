"""The command line's own refusals (an unknown option, a missing one, a value its type
refuses) in the catalogues: typer and click write them in English only, so a team that
speaks another language reads these instead (an English team keeps click's own)."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import ValidationError

from leadflow.i18n import VOCABULARIES
from leadflow.phrases import N_, Phrase
from leadflow.validation_words import error_text


def usage_refusal(exc: Exception) -> Phrase | None:
    """What was wrong with the command line, as a Phrase; None for the usage errors left to
    click (it shows the usage with them)."""
    option = getattr(exc, "option_name", None)
    if option:  # click's NoSuchOption
        return N_("no such option: {option}", option=option)
    param = getattr(exc, "param", None)
    if not isinstance(exc, typer.BadParameter) or param is None:
        return None
    opts = [o for o in getattr(param, "opts", None) or [] if o.startswith("-")]
    name = opts[0] if opts else str(param.name)
    if hasattr(exc, "param_type"):  # click's MissingParameter (typer names no class for it)
        return N_("{name}: required", name=name)
    cause = exc.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        return N_("{name}: {problem}", name=name, problem=_problem(cause.errors()[0], param))
    return None


def _problem(err: Any, param: Any) -> str:
    """One of typer's pydantic errors: ours by type, and a choice outside a vocabulary
    (typer's own message for an enum option) listing the vocabulary's values."""
    raised = (err.get("ctx") or {}).get("error")
    if err.get("type") != "value_error" or isinstance(raised, Exception) and _ours(raised):
        return error_text(err)
    given = repr(err.get("input"))
    vocabulary = VOCABULARIES.get(str(param.name))
    if vocabulary is None:
        return N_("{value} is not accepted here (see --help)", value=given)
    values = ", ".join(v.value for v in vocabulary)
    return N_("{value} is not one of {values}", value=given, values=values)


def _ours(raised: Exception) -> bool:
    return bool(raised.args) and isinstance(raised.args[0], Phrase)
