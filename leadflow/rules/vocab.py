"""The closed vocabularies of the spec: channels, states, roles, sizes and their kin."""

from enum import StrEnum


class Channel(StrEnum):
    """Where a lead came from (spec §1)."""

    website_form = "website_form"
    trade_show = "trade_show"
    online_ads = "online_ads"
    referral = "referral"
    partner = "partner"
    industry_association = "industry_association"
    event_webinar = "event_webinar"
    import_ = "import"
    other = "other"


class CompanySize(StrEnum):
    """Customer size band."""

    small = "small"
    medium = "medium"
    large = "large"


class ContactRole(StrEnum):
    """The contact's part in the buying decision."""

    decision_maker = "decision_maker"
    influencer = "influencer"
    user = "user"


class BudgetMatch(StrEnum):
    """How the lead's budget compares with the minimum deal size."""

    full = "full"
    partial = "partial"
    none = "none"


class Priority(StrEnum):
    """Follow-up priority from the score."""

    high = "high"
    medium = "medium"
    low = "low"


class Grade(StrEnum):
    """Lead or opportunity grade."""

    A = "A"
    B = "B"
    C = "C"


class State(StrEnum):
    """Lifecycle states (spec §2)."""

    new = "new"
    screened = "screened"
    nurturing = "nurturing"
    opportunity = "opportunity"
    negotiation = "negotiation"
    won = "won"
    lost = "lost"


OPEN_STATES = (State.new, State.screened, State.nurturing, State.opportunity, State.negotiation)


class LossReason(StrEnum):
    """Why a lead was lost (spec §2, `lose`)."""

    price = "price"
    need_changed = "need_changed"
    competitor = "competitor"
    no_budget = "no_budget"
    no_decision = "no_decision"
    unresponsive = "unresponsive"
    invalid = "invalid"
    other = "other"


class BehaviourKind(StrEnum):
    """Tracked behaviour events (spec §4)."""

    page_visit = "page_visit"
    download = "download"
    webinar = "webinar"
    reply = "reply"


class ActivityChannel(StrEnum):
    """How a follow-up contact happened (spec §6)."""

    phone = "phone"
    email = "email"
    visit = "visit"
    chat = "chat"
    meeting = "meeting"


class Urgency(StrEnum):
    """Opportunity urgency (spec §7)."""

    immediate = "immediate"
    urgent = "urgent"
    normal = "normal"


class Competition(StrEnum):
    """Our position against competitors."""

    advantage = "advantage"
    parity = "parity"
    disadvantage = "disadvantage"


class DecisionChain(StrEnum):
    """How many levels the buying decision passes."""

    simple = "simple"
    medium = "medium"
    complex = "complex"


class ObjectionKind(StrEnum):
    """Objection categories logged during negotiation."""

    price = "price"
    terms = "terms"
    function = "function"
    competitor = "competitor"
    decision_chain = "decision_chain"


class Role(StrEnum):
    """Who acts: used by approvals and by the masking of sensitive fields."""

    system = "system"
    rep = "rep"
    manager = "manager"
    director = "director"


class CheckState(StrEnum):
    """A supervisor's check of a lead entered by hand or from a file (seed 001)."""

    pending = "pending"
    ok = "ok"
    fixed = "fixed"


class AccountTier(StrEnum):
    """A customer account's tier (seed 004: 初步意向 - 高意向 - 重点客户)."""

    initial = "initial"
    high = "high"
    key = "key"


class CustomerType(StrEnum):
    """Whom a lead is for: a company, or an individual customer (seed 000 routes by it)."""

    company = "company"
    individual = "individual"


class Seniority(StrEnum):
    """Rep seniority, used by skill-by-value assignment."""

    junior = "junior"
    senior = "senior"


# Spec §1: shown only to the lead's owner, their manager and directors.
SENSITIVE = (
    "budget_min",
    "budget_max",
    "budget_confirmed",
    "decision_chain_notes",
    "internal_notes",
)


# What a rep can owe a lead (leadflow.followup.due), as My day and the reminders name it.
REMINDER_KINDS = (
    "first_contact",
    "no_follow_up",
    "next_action",
    "objection",
    "cadence",
    "brief",
    "assess",
    "confirm_grade",
    "win_review",
    "handoff",
    "notify",
    "reverify",
    "minutes",
)
