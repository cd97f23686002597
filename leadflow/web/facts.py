"""What the lead page shows, in the reader's language: its facts by label (the same
labels as the review's workbook), and its timeline with states, triggers, channels,
fields and the system's reasons said as the catalogues say them."""

from __future__ import annotations

from typing import Any

from leadflow import i18n
from leadflow.phrases import N_

# (field, label, vocabulary of its value or None), in the order the page lists them.
FACTS = (
    ("contact_name", N_("Contact"), None),
    ("contact_title", N_("Title"), None),
    ("phone", N_("Phone"), None),
    ("email", N_("Email"), None),
    ("need", N_("Need"), None),
    ("source", N_("Source"), "channel"),
    ("industry", N_("Industry"), None),
    ("region", N_("Region"), None),
    ("budget_min", N_("Budget min"), None),
    ("budget_max", N_("Budget max"), None),
    ("budget_confirmed", N_("Budget confirmed"), None),
    ("decision_chain_notes", N_("Decision chain notes"), None),
    ("internal_notes", N_("Internal notes"), None),
    ("grade", N_("Grade"), "grade"),
    ("opportunity_grade", N_("Opportunity grade"), "grade"),
    ("priority", N_("Priority"), "priority"),
    ("score", N_("Score"), None),
    ("version", N_("Version"), None),
)
_LABELS = {name: text for name, text, _ in FACTS} | {
    "company_name": N_("Company"),
    "contact_role": N_("Contact role"),
    "company_size": N_("Company size"),
    "timeline": N_("Timeline"),
    "state": N_("State"),
    "next_action": N_("Next action"),
    "budget_match": N_("Budget match"),
}
_VOCABULARY = {name: vocabulary for name, _, vocabulary in FACTS if vocabulary} | {
    "contact_role": "contact_role",
    "company_size": "company_size",
    "state": "state",
}
PLAN_APPROVED = N_("plan approved ({role})")


def field_label(name: str) -> str:
    """A lead field's label in the reader's language (its name, spaced, when it has none)."""
    return i18n.gettext(_LABELS[name]) if name in _LABELS else name.replace("_", " ")


def point_label(key: str) -> str:
    """A score point's name (`behaviour.visit`, `attribute.contact_role`) as a label."""
    group, _, name = key.partition(".")
    return i18n.label("behaviour", name) if group == "behaviour" else field_label(name)


def vocabulary_of(name: str) -> str | None:
    """The closed vocabulary a lead field's value comes from, if it has one."""
    return _VOCABULARY.get(name)


def fact(name: str, value: Any) -> str:
    """A fact's value as the page shows it: a vocabulary's value by its label."""
    if value is None or value == "":
        return "-"
    return i18n.label(_VOCABULARY[name], value) if name in _VOCABULARY else str(value)


def timeline(lead: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What happened to the lead, oldest first: its steps, contacts, field changes,
    objections and their answers, touches and approvals (when, what, who)."""
    state, kind = (lambda v: i18n.label("state", v)), (lambda v: i18n.label("objection_kind", v))
    events = [
        (
            t["at"],
            f"{state(t['from']) if t['from'] else ''} → {state(t['to'])} "
            f"({i18n.label('trigger', t['trigger'])}) {i18n.explain(t['reason'])}",
            i18n.actor(t["by"]),
        )
        for t in lead["transitions"]
    ]
    events += [
        (a["at"], f"{i18n.label('activity_channel', a['channel'])}: {a['key_points']}", "")
        for a in lead["activities"]
    ]
    events += [
        (
            h["at"],
            f"{field_label(h['field'])}: {fact(h['field'], h['old'])} → "
            f"{fact(h['field'], h['new'])}",
            i18n.actor(h["by"]),
        )
        for h in lead["history"]
    ]
    for o in lead["objections"]:
        events.append((o["raised_at"], f"{kind(o['kind'])}: {o['detail']}", ""))
        if o.get("answered_at"):
            events.append(
                (o["answered_at"], f"{kind(o['kind'])}: {o['response']}", o["answered_by"])
            )
    events += [
        (t.get("at") or "", f"{fact('source', t.get('channel'))}: {t.get('detail') or ''}", "")
        for t in lead["touches"]
    ]
    if lead["approved_at"]:
        role = i18n.label("role", lead["approved_role"])
        approved = i18n.gettext(PLAN_APPROVED).format(role=role)
        events.append((lead["approved_at"], approved, lead["approved_by"]))
    return sorted(events, key=lambda e: str(e[0]))


_YES_NO = (N_("No"), N_("Yes"))
_SCORE = {
    "behaviour_score": N_("Behaviour score"),
    "attribute_score": N_("Attribute score"),
    "score": N_("Score"),
    "nurture_stage": N_("Nurture stage"),
    "standing": N_("Standing"),
}


def _yes(value: Any) -> str:
    return i18n.gettext(_YES_NO[bool(value)])


def score_facts(explanation: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The score's summary as the lead page lists it, label and value in the reader's
    language (the rule book's point names and grade reasons are shown apart, as written)."""
    if not explanation:
        return []
    e, why = explanation, explanation.get("explain") or {}
    shown = [(i18n.gettext(N_("Valid")), _yes(e.get("valid")))]
    bant = e.get("bant") or {}
    tests = (f"{i18n.pgettext('bant', k)} {_yes(v)}" for k, v in bant.items())
    shown.append(("BANT", i18n.gettext("; ").join(tests)))
    shown += [(i18n.gettext(text), str(e[k])) for k, text in _SCORE.items() if e.get(k) is not None]
    shown += [(field_label(k), i18n.label(k, e[k])) for k in ("priority", "grade") if e.get(k)]
    if e.get("opportunity"):
        grade = i18n.label("grade", e["opportunity"]["grade"])
        shown.append((field_label("opportunity_grade"), f"{grade} ({e['opportunity']['points']})"))
    if why.get("invalid_reason"):
        shown.append((i18n.gettext(N_("Invalid reason")), i18n.explain(why["invalid_reason"])))
    if e.get("screening_note"):
        shown.append((i18n.gettext(N_("Screening note")), i18n.explain(e["screening_note"])))
    for part, said in (why.get("target_profile") or {}).items():
        shown.append((i18n.gettext(part.replace("_", " ")), i18n.explain(said)))
    if why.get("budget_match"):
        match = i18n.label("budget_match", why["budget_match"])
        shown.append((field_label("budget_match"), match))
    return shown
