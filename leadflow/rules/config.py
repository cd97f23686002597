"""The rule book's numbers as validated pydantic models (leadflow.config_files reads them
from config/*.yaml; the rules only receive them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from leadflow.phrases import N_
from leadflow.rules.names import normal
from leadflow.rules.vocab import (
    ActivityChannel,
    BudgetMatch,
    Channel,
    CompanySize,
    Competition,
    ContactRole,
    DecisionChain,
    Grade,
    Priority,
    Role,
    Seniority,
    Urgency,
)

# The states a lead has a sub-stage in (seed 001: stages inside an opportunity).
SUB_STAGED = ("opportunity", "negotiation")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelRules(_Strict):
    """The channels ranked for the team's attention (never a rule for a lead's source)."""

    priority: list[Channel] = []

    @model_validator(mode="after")
    def _once_each(self) -> ChannelRules:
        twice = sorted({c.value for c in self.priority if self.priority.count(c) > 1})
        if twice:
            raise ValueError(
                N_("priority names a channel more than once: {twice}", twice=", ".join(twice))
            )
        return self


Named = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class TargetProfile(_Strict):
    """Seed 002's target customer profile (行业、规模、区域); an empty list accepts any value."""

    industries: list[Named] = []
    company_sizes: list[CompanySize] = []
    regions: list[Named] = []


class ScreeningRules(_Strict):
    """BANT screening and the target profile (spec §3)."""

    min_passed: int = Field(ge=0, le=4)
    target_profile: TargetProfile = TargetProfile()
    vague_needs: list[str] = []
    need_min_substance: int = Field(default=2, ge=1)


class DecayRules(_Strict):
    """Optional ageing of behaviour points."""

    enabled: bool = False
    half_life_days: float = Field(gt=0)


class PriorityBounds(_Strict):
    """Lowest score of the high and medium priorities."""

    high: int = Field(ge=0, le=100)
    medium: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> PriorityBounds:
        if self.medium > self.high:
            raise ValueError(N_("medium must not be above high"))
        return self


class NurtureStage(_Strict):
    """One nurture stage: from which score, what it sends and how often."""

    name: str
    min_score: int = Field(ge=0, le=100)
    cadence_days: int = Field(gt=0)
    content: list[str]
    channels: list[str]


class ScoringRules(_Strict):
    """Behaviour and attribute scoring (spec §4)."""

    behaviour_cap: int = Field(ge=0)
    attribute_cap: int = Field(ge=0)
    behaviour_points: dict[str, int]
    decay: DecayRules
    company_size_points: dict[CompanySize, int]
    contact_role_points: dict[ContactRole, int]
    budget_match_points: dict[BudgetMatch, int]
    min_deal_size: float = Field(gt=0)
    partial_ratio: float = Field(gt=0, le=1)
    priority: PriorityBounds
    nurture_stages: list[NurtureStage] = Field(min_length=1)

    @model_validator(mode="after")
    def _stages_ascending(self) -> ScoringRules:
        bounds = [s.min_score for s in self.nurture_stages]
        if bounds != sorted(bounds) or bounds[0] != 0:
            raise ValueError(N_("nurture_stages must start at min_score 0 and ascend"))
        return self


class GradeARules(_Strict):
    """What a grade-A lead must show."""

    budget_match: list[BudgetMatch]
    contact_roles: list[ContactRole]
    close_within_days: int = Field(gt=0)


class GradingRules(_Strict):
    """Lead grade (spec §5)."""

    a: GradeARules
    cadence_days: dict[Grade, int]


class ConversionRules(_Strict):
    """Lead to opportunity conversion (spec §6)."""

    min_criteria: int = Field(ge=0, le=4)
    min_deal_size: float = Field(gt=0)


class BudgetBands(_Strict):
    """Lowest budget of the high and medium opportunity bands."""

    high: float = Field(gt=0)
    medium: float = Field(gt=0)


class UrgencyDays(_Strict):
    """Target date within this many days: immediate, then urgent."""

    immediate: int = Field(gt=0)
    urgent: int = Field(gt=0)


class OpportunityRules(_Strict):
    """Opportunity grading (spec §7)."""

    urgency_points: dict[Urgency, int]
    urgency_days: UrgencyDays
    budget_bands: BudgetBands
    budget_points: dict[str, int]
    competition_points: dict[Competition, int]
    decision_chain_points: dict[DecisionChain, int]
    cadence_days: dict[Grade, int]
    approval_roles: dict[Grade, Role]
    brief_due_hours: dict[Grade, int] = {}
    assess_due_hours: float = Field(gt=0)
    confirm_due_hours: float = Field(gt=0)
    followed_grades: list[Grade]


class StageRules(_Strict):
    """Seed 001's stages inside a deal (技术评估阶段, 价格谈判阶段): each open deal state's
    sub-stages in order, the team's own names; an empty list turns them off for it."""

    opportunity: list[Named] = []
    negotiation: list[Named] = []

    @model_validator(mode="after")
    def _once_each(self) -> StageRules:
        for state in ("opportunity", "negotiation"):
            names: list[str] = getattr(self, state)
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(
                    N_(
                        "{state} names a sub-stage more than once: {twice}",
                        state=state,
                        twice=", ".join(twice),
                    )
                )
        return self

    def of(self, state: str) -> list[str]:
        """The sub-stages of `state` in order (none for a state without them)."""
        return list(getattr(self, state, None) or []) if state in SUB_STAGED else []


class CloseRateRules(_Strict):
    """How a rep's close rate is measured for skill-by-value assignment."""

    window_days: int = Field(gt=0)
    min_closed: int = Field(ge=0)


class AssignmentRules(_Strict):
    """Assignment (spec §5)."""

    senior_grades: list[Grade]
    senior_priorities: list[Priority]
    senior_seniority: list[Seniority]
    notify_within_hours: float = Field(ge=0)
    notify_grace_minutes: float = Field(ge=0)
    close_rate: CloseRateRules
    queue_escalate_hours: float = Field(gt=0)


class SlaRules(_Strict):
    """Timers (spec §6)."""

    first_contact_hours: dict[Priority, float]
    max_hours_after_assignment: float = Field(gt=0)
    clock: str = Field(pattern="^(wall|business)$")
    log_within_hours: float = Field(gt=0)
    no_follow_up_days: float = Field(gt=0)
    no_follow_up_grades: list[Grade]
    no_follow_up_opportunity_grades: list[Grade]
    escalate_after_days: float = Field(gt=0)
    dormant_after_days: float = Field(gt=0)
    objection_answer_hours: float = Field(gt=0)


class CalendarRules(_Strict):
    """Business hours and holidays, read on each team's local clock."""

    # The zone of a lead with no team: settings' default_timezone, filled in by
    # Settings.rules() (never from rules.yaml); a team's own zone is on the team.
    default_timezone: str = "UTC"
    workdays: list[str]
    day_start: dt.time
    day_end: dt.time
    holidays: list[dt.date] = []


RequiredField = Literal[
    "contact_title",
    "contact_role",
    "industry",
    "company_size",
    "employees",
    "region",
    "phone",
    "email",
    "budget",
    "timeline",
    "annual_revenue",
    "source_detail",
]


class DataQualityRules(_Strict):
    """The lead register's data quality: required fields, the supervisor's check of new
    entries and the monthly re-verification (seeds 001 and 002)."""

    required_fields: list[RequiredField] = []
    # A record without a need is refused (the seeds' registers require it), or, when
    # false, stored with an empty need that shows as missing until a person fills it.
    need_required: bool = True
    check_entries: bool = True
    reverify_days: int = Field(default=30, ge=0)


class NegotiationRules(_Strict):
    """Negotiation minutes (seed 003: 形成《谈判纪要》…由客户方联系人签字确认)."""

    # A contact of these channels on a lead in negotiation is a negotiation: its minutes
    # are due this many hours after it, or the owner is reminded once.
    minutes_due_hours: float = Field(default=24, gt=0)
    minutes_channels: list[ActivityChannel] = Field(
        default=[ActivityChannel.meeting, ActivityChannel.visit, ActivityChannel.phone],
        min_length=1,
    )


class HandoffRules(_Strict):
    """Handoff to delivery (spec §8)."""

    due_business_days: int = Field(ge=0)
    review_due_business_days: int = Field(ge=0)


class ContractRules(_Strict):
    """The contract before the win (seed 001: 拟定合同并提交审批; seed 002: 起草合同(需法务
    审核)): whether the draft must be approved before a win, and whether the approval needs
    a legal reviewer named on the draft."""

    approval_required: bool = True
    legal_review_required: bool = True


class PrivacyRules(_Strict):
    """Minimum necessary data (spec §1, seed 001 最小必要): the fields and sheet columns
    the product refuses as personal data, by what they hold (rules.privacy matches them)."""

    refused_fields: dict[str, list[str]]

    @model_validator(mode="after")
    def _one_kind_each(self) -> PrivacyRules:
        kinds: dict[str, str] = {}
        for kind, names in self.refused_fields.items():
            if not kind.strip() or not names or not all(normal(n) for n in names):
                raise ValueError(
                    N_("{kind!r}: a kind of personal data needs a name and names", kind=kind)
                )
            for name in names:
                if kinds.setdefault(normal(name), kind) != kind:
                    raise ValueError(
                        N_(
                            "{name!r} is listed under both {kind} and {kind2}",
                            name=name,
                            kind=kinds[normal(name)],
                            kind2=kind,
                        )
                    )
        return self


class RulesConfig(_Strict):
    """Every number of the rule book, as one validated object."""

    channels: ChannelRules
    screening: ScreeningRules
    scoring: ScoringRules
    grading: GradingRules
    conversion: ConversionRules
    opportunity: OpportunityRules
    stages: StageRules = StageRules()
    assignment: AssignmentRules
    sla: SlaRules
    calendar: CalendarRules
    data_quality: DataQualityRules = DataQualityRules()
    negotiation: NegotiationRules = NegotiationRules()
    handoff: HandoffRules
    contract: ContractRules = ContractRules()
    privacy: PrivacyRules

    def with_default_timezone(self, name: str) -> RulesConfig:
        """The same rule book with `name` as the zone of leads with no team."""
        calendar = self.calendar.model_copy(update={"default_timezone": name})
        return self.model_copy(update={"calendar": calendar})


class ConfigError(Exception):
    """A config file is missing, unreadable or holds a bad value; the message names where."""
