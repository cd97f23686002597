"""The phrases that system-made explanations are written in: why a lead went to its owner
or its queue, why screening refused it, what a transition did.

An explanation is stored as written, in English (the source language): steps joined by
STEP, each step one of these phrases with its values filled in. The reader's language is
applied where it is shown (`leadflow.i18n.explain`), which matches each step back to its
phrase; a step that no phrase matches (a person's own words) is shown as written."""

from __future__ import annotations

from leadflow.phrases import N_

STEP = "; "

# Transitions made by intake (leadflow.intake.process).
ASSIGNED = N_("assigned: {steps}")
INVALID = N_("invalid: {steps}")
DUPLICATE = N_("duplicate of lead {lead}")
BANT_PASSED = N_("BANT {passed}/4")
NEW_INQUIRY = N_("new inquiry via {source}")
# The next action LeadFlow sets for an owner.
ANSWER_INQUIRY = N_("answer the new inquiry via {source}")
CONTACT_AGAIN = N_("reactivated: contact the customer about their renewed interest")
# Decisions that people make, with the reason LeadFlow gives when they give none.
CONTRACT_SIGNED = N_("contract signed")
REINSTATED_FOR = N_("reinstated: {why}")
# Screening (leadflow.rules.screening); {failed} lists BANT_TESTS.
UNVERIFIABLE = N_("contact cannot be verified (malformed phone and email)")
BANT_FAILED = N_("BANT {passed}/4 < {needed}: failed {failed}")
# Assignment (leadflow.rules.assignment, leadflow.rules.previous_owner).
KEY_ACCOUNT = N_("key account {account}: follow-up group {group}")
TERRITORY = N_("territory {region}/{industry}/{kind} -> {teams}")
NO_TEAM = N_("no team covers the territory")
ALL_TEAMS = N_("all teams considered")
COVERED = N_("{count} reps cover it")
SENIOR = N_("grade {grade}/priority {priority}: {count} senior")
AWAY = N_("{count} away skipped")
AT_CAPACITY = N_("{count} at capacity")
QUEUE = N_("no eligible rep: manager queue")
RATES = N_("close rates compared: {rates}")
BEST_RATE = N_(
    "chose {rep}: best close rate {rate}, load {load}, then least loaded and round-robin on ties"
)
LEAST_LOADED = N_("chose {rep}: least loaded ({load}), round-robin on ties")
FULL_WHEN_CLAIMED = N_("full when claimed: {reps}")
NEXT_CANDIDATE = N_("next candidate {rep} ({load})")
PREVIOUS_OWNER = N_("{why}: previous owner {rep} ({load})")
# One rep's close rate in RATES's list, and how it was found (leadflow.rules.assignment).
RATE = N_("{rep} {rate} ({basis})")
WON_OF_CLOSED = N_("{won}/{closed} won")
TEAM_AVERAGE = N_("team average, {closed} < {need} closed")
NO_CLOSED_DEALS = N_("recorded, no closed deals yet")
# The target profile (leadflow.rules.profile); {parts} lists PROFILE_PART, {part} is one
# of PROFILE_PARTS.
OUTSIDE_PROFILE = N_("outside target profile: {parts}")
PROFILE_PART = N_("{part} {value} (targets: {targets})")
PROFILE_PARTS = (N_("industry"), N_("company size"), N_("region"))
# One part as the lead's explanation shows it; {fit} is one of FITS.
PART_FIT = N_("{fit}: {value} (targets: {targets})")
PART_UNCHECKED = N_("not given, so not checked (targets: {targets})")
FITS = (N_("inside"), N_("outside"))
# A reinstated lead's standing (leadflow.rules.standing).
WOULD_FAIL = N_("screening would fail: {reason} — {decision}")
REINSTATED_BY_ON = N_("reinstated by {who} on {day}")
REINSTATED_BY = N_("reinstated by {who}")
# A lead's grade reasons (leadflow.rules.grading); {missing} lists the A checks not met.
NEED_CLEAR = N_("need clear")
BUDGET_MATCH = N_("budget match {match}")
DECISION_POWER = N_("decision power")
CLOSE_WITHIN = N_("close within {days} days")
NEED_VAGUE = N_("need vague")
NO_BUDGET = N_("no budget")
NO_TIMELINE = N_("no timeline")
NOT_A = N_("not A: {missing}")
# Whether a trained win model was activated (leadflow.winmodel.service, .train).
MODEL_ACTIVE = N_("active: {verdict}")
MODEL_KEPT = N_("kept but not activated: {verdict}")
MODEL_BETTER = N_("better than the rule-based score ({shown})")
MODEL_NO_SIGNAL = N_(
    "no signal beyond the rule-based score: the interval of the AUC difference reaches zero, "
    "so the history holds no signal the score lacks, or too little to show it ({shown})"
)
MODEL_GAIN_LOW = N_("its AUC gain is below min_auc_gain {gain} ({shown})")
MODEL_UNCALIBRATED = N_("its probabilities are not calibrated well enough ({shown})")
MODEL_SHOWN = N_(
    "holdout AUC {model_auc} against the score's {score_auc}: difference {difference}, "
    "{confidence} interval {low} to {high}; calibration error {calibration} (bound {bound})"
)
REPEAT_BUSINESS = N_("repeat business")
REACTIVATED = N_("reactivated")

# Every phrase, the longer first where one could be read as another.
PHRASES = (
    ASSIGNED,
    INVALID,
    DUPLICATE,
    BANT_FAILED,
    BANT_PASSED,
    NEW_INQUIRY,
    ANSWER_INQUIRY,
    CONTACT_AGAIN,
    CONTRACT_SIGNED,
    REINSTATED_FOR,
    UNVERIFIABLE,
    KEY_ACCOUNT,
    TERRITORY,
    NO_TEAM,
    ALL_TEAMS,
    COVERED,
    SENIOR,
    AWAY,
    AT_CAPACITY,
    QUEUE,
    RATES,
    BEST_RATE,
    LEAST_LOADED,
    FULL_WHEN_CLAIMED,
    NEXT_CANDIDATE,
    PREVIOUS_OWNER,
    REPEAT_BUSINESS,
    REACTIVATED,
    WON_OF_CLOSED,
    TEAM_AVERAGE,
    NO_CLOSED_DEALS,
    OUTSIDE_PROFILE,
    WOULD_FAIL,
    REINSTATED_BY_ON,
    REINSTATED_BY,
    MODEL_KEPT,
    MODEL_ACTIVE,
    MODEL_BETTER,
    MODEL_NO_SIGNAL,
    MODEL_GAIN_LOW,
    MODEL_UNCALIBRATED,
    MODEL_SHOWN,
    PART_UNCHECKED,
    NEED_CLEAR,
    BUDGET_MATCH,
    DECISION_POWER,
    CLOSE_WITHIN,
    NEED_VAGUE,
    NO_BUDGET,
    NO_TIMELINE,
    NOT_A,
    PART_FIT,  # after OUTSIDE_PROFILE, which it would read too
)
# Values that list items of one phrase, each ending in ")", joined by ", ".
LISTS = {"rates": RATE, "parts": PROFILE_PART}
# Values that are a vocabulary's (labelled in the reader's language), by placeholder.
LABELLED = {
    "kind": "customer_type",
    "grade": "grade",
    "priority": "priority",
    "source": "channel",
    "match": "budget_match",
}
# The BANT tests a screening can fail, as BANT_FAILED lists them.
BANT_TESTS = ("budget", "authority", "need", "need (vague)", "timeline")


def load(open_leads: int, capacity: int) -> str:
    """A rep's load as the phrases show it: 3/80."""
    return f"{open_leads}/{capacity}"
