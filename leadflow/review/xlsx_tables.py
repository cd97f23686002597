"""What the review workbook holds: the columns and queries of the lead register, follow-up
log and opportunity grading, and the review's own numbers as rows (the period conversion
review per channel, rep and team; a summary of headline, funnel, losses, SLA, cycle)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, select, true

from leadflow.i18n import N_, label
from leadflow.i18n import gettext as _
from leadflow.review.funnel import sub_stage_label
from leadflow.review.model import Review, TargetLine
from leadflow.review.notes import ReviewNotes
from leadflow.review.period import Period, kept_leads, within
from leadflow.review.results import win_rate
from leadflow.review.xlsx_widths import DATE, INTEGER, MONEY, PERCENT, TIME
from leadflow.rules.access import is_sensitive
from leadflow.store.deal_models import OpportunityAssessment
from leadflow.store.models import Activity, Lead, SalesRep, Team


@dataclass(frozen=True)
class Column:
    """One column: its header, the SQL expression (or row key) it shows, its format."""

    header: str  # English; the sheet shows it in the reader's language
    source: Any
    fmt: str | None = None
    vocabulary: str | None = None  # values are labelled in the reader's language (i18n.label)
    explained: bool = False  # a system-made explanation, told in the reader's language

    @property
    def name(self) -> str:
        """The field it shows (the column's key, or the header of a built row)."""
        return str(getattr(self.source, "key", self.source))

    @property
    def sensitive(self) -> bool:
        """Masked from readers outside the lead's chain (leadflow.rules.access)."""
        return is_sensitive(self.name)


_OWNER = SalesRep.name.label("owner")
LEAD_REGISTER = [
    Column(N_("Lead ID"), Lead.id, INTEGER),
    Column(N_("Created (UTC)"), Lead.created_at, TIME),
    Column(N_("Source"), Lead.source, vocabulary="channel"),
    Column(N_("Source detail"), Lead.source_detail),
    Column(N_("Company"), Lead.company_name),
    Column(N_("Contact"), Lead.contact_name),
    Column(N_("Title"), Lead.contact_title),
    Column(N_("Contact role"), Lead.contact_role, vocabulary="contact_role"),
    Column(N_("Phone"), Lead.phone),
    Column(N_("Email"), Lead.email),
    Column(N_("Need"), Lead.need),
    Column(N_("Industry"), Lead.industry),
    Column(N_("Company size"), Lead.company_size, vocabulary="company_size"),
    Column(N_("Employees"), Lead.employees, INTEGER),
    Column(N_("Annual revenue"), Lead.annual_revenue, MONEY),
    Column(N_("Region"), Lead.region),
    Column(N_("Budget min"), Lead.budget_min, MONEY),
    Column(N_("Budget max"), Lead.budget_max, MONEY),
    Column(N_("Budget confirmed"), Lead.budget_confirmed, MONEY),
    Column(N_("Timeline"), Lead.timeline, DATE),
    Column(N_("Tags"), Lead.tags),
    Column(N_("State"), Lead.state, vocabulary="state"),
    Column(N_("Valid"), Lead.valid),
    Column(N_("Invalid reason"), Lead.invalid_reason, explained=True),
    Column(N_("Score"), Lead.score, INTEGER),
    Column(N_("Priority"), Lead.priority, vocabulary="priority"),
    Column(N_("Grade"), Lead.grade, vocabulary="grade"),
    Column(N_("Opportunity grade"), Lead.opportunity_grade, vocabulary="grade"),
    Column(N_("Owner"), _OWNER),
    Column(N_("Team"), Team.name.label("team")),
    Column(N_("Assigned (UTC)"), Lead.assigned_at, TIME),
    Column(N_("First contact due (UTC)"), Lead.first_contact_due, TIME),
    Column(N_("First contacted (UTC)"), Lead.first_contacted_at, TIME),
    Column(N_("Last contact (UTC)"), Lead.last_contact_at, TIME),
    Column(N_("Next action"), Lead.next_action, explained=True),
    Column(N_("Next action due (UTC)"), Lead.next_action_due, TIME),
    Column(N_("Opportunity since (UTC)"), Lead.opportunity_at, TIME),
    Column(N_("Won (UTC)"), Lead.won_at, TIME),
    Column(N_("Lost (UTC)"), Lead.lost_at, TIME),
    Column(N_("Loss reason"), Lead.loss_reason, vocabulary="loss_reason"),
    Column(N_("Contract value"), Lead.contract_value, MONEY),
    Column(N_("Payment terms"), Lead.payment_terms),
    Column(N_("Delivery date"), Lead.delivery_date, DATE),
    Column(N_("Repeat of lead"), Lead.repeat_of_id, INTEGER),
    Column(N_("Decision-chain notes"), Lead.decision_chain_notes),
    Column(N_("Internal notes"), Lead.internal_notes),
]
FOLLOW_UP_LOG = [
    Column(N_("Time (UTC)"), Activity.at, TIME),
    Column(N_("Lead ID"), Activity.lead_id, INTEGER),
    Column(N_("Company"), Lead.company_name),
    Column(N_("Rep"), _OWNER),
    Column(N_("Contact channel"), Activity.channel, vocabulary="activity_channel"),
    Column(N_("Key points"), Activity.key_points),
    Column(N_("Customer feedback"), Activity.feedback),
    Column(N_("Next action"), Activity.next_action),
    Column(N_("Next action due (UTC)"), Activity.next_action_due, TIME),
    Column(N_("Logged (UTC)"), Activity.logged_at, TIME),
    # Spec §6: logged more than sla.log_within_hours after it happened.
    Column(N_("Logged late"), Activity.late),
]
OPPORTUNITY_GRADING = [
    Column(N_("Assessed (UTC)"), OpportunityAssessment.assessed_at, TIME),
    Column(N_("Lead ID"), OpportunityAssessment.lead_id, INTEGER),
    Column(N_("Company"), Lead.company_name),
    Column(N_("Owner"), _OWNER),
    Column(N_("Urgency"), OpportunityAssessment.urgency, vocabulary="urgency"),
    Column(N_("Budget"), OpportunityAssessment.budget, MONEY),
    Column(N_("Competition"), OpportunityAssessment.competition, vocabulary="competition"),
    Column(N_("Decision chain"), OpportunityAssessment.decision_chain, vocabulary="decision_chain"),
    Column(N_("Points"), OpportunityAssessment.points, INTEGER),
    Column(N_("Opportunity grade"), OpportunityAssessment.grade, vocabulary="grade"),
    Column(N_("Assessed by"), OpportunityAssessment.assessed_by),
    Column(N_("Lead state now"), Lead.state, vocabulary="state"),
    Column(N_("Decision-chain notes"), Lead.decision_chain_notes),
]
# The workbook's sheets: in zh_CN, the seed templates' own names (线索信息表, ...).
LEAD_REGISTER_SHEET, FOLLOW_UP_SHEET = N_("Lead register"), N_("Follow-up log")
GRADING_SHEET, CONVERSION_SHEET = N_("Opportunity grading"), N_("Conversion review")
SUMMARY_SHEET = N_("Summary")


def _query(columns: Sequence[Column], base: Select[Any]) -> Select[Any]:
    return base.with_only_columns(*[c.source for c in columns])


def row_tables(
    period: Period, owner_id: int | None = None, team_id: int | None = None
) -> list[tuple[str, list[Column], Select[Any]]]:
    """The three row tables of the period and the query of each; with `owner_id`, of that
    rep's leads only, with `team_id`, of that team's (titles in English)."""
    owner = SalesRep.id == Lead.owner_id
    mine = and_(
        Lead.owner_id == owner_id if owner_id is not None else true(),
        Lead.team_id == team_id if team_id is not None else true(),
    )
    register = (
        select(Lead.id)
        .outerjoin(SalesRep, owner)
        .outerjoin(Team, Team.id == Lead.team_id)
        .where(within(Lead.created_at, period), kept_leads(owner_id, team_id))
        .order_by(Lead.id)
    )
    log = (
        select(Activity.id)
        .join(Lead, Lead.id == Activity.lead_id)
        .outerjoin(SalesRep, SalesRep.id == Activity.rep_id)
        .where(within(Activity.at, period), mine)
        .order_by(Activity.at, Activity.id)
    )
    grading = (
        select(OpportunityAssessment.id)
        .join(Lead, Lead.id == OpportunityAssessment.lead_id)
        .outerjoin(SalesRep, owner)
        .where(within(OpportunityAssessment.assessed_at, period), mine)
        .order_by(OpportunityAssessment.assessed_at, OpportunityAssessment.id)
    )
    return [
        (LEAD_REGISTER_SHEET, LEAD_REGISTER, _query(LEAD_REGISTER, register)),
        (FOLLOW_UP_SHEET, FOLLOW_UP_LOG, _query(FOLLOW_UP_LOG, log)),
        (GRADING_SHEET, OPPORTUNITY_GRADING, _query(OPPORTUNITY_GRADING, grading)),
    ]


Table = tuple[list["Column"], list[list[Any]]]


def _named(*specs: tuple[str, str | None]) -> list[Column]:
    """Columns of rows built here (not queried): the header names the value."""
    return [Column(header, header, fmt) for header, fmt in specs]


CONVERSION = _named(
    (N_("Section"), None),
    (N_("Name"), None),
    (N_("Team"), None),
    (N_("Leads"), INTEGER),
    (N_("Valid"), INTEGER),
    (N_("Won (of leads created)"), INTEGER),
    (N_("Conversion (won / valid)"), PERCENT),
    (N_("Deals won in period"), INTEGER),
    (N_("Won value"), MONEY),
    (N_("Average deal"), MONEY),
    (N_("Deals lost in period"), INTEGER),
    (N_("Win rate (won / (won + lost))"), PERCENT),
    (N_("Open leads"), INTEGER),
    (N_("Open value"), MONEY),
    (N_("Revenue target"), MONEY),
    (N_("Revenue progress"), PERCENT),
    (N_("New customers"), INTEGER),
    (N_("New-customer target"), INTEGER),
    (N_("New-customer progress"), PERCENT),
    (N_("Repeat rate"), PERCENT),
    (N_("Repeat-rate target"), PERCENT),
    # Spec §6: contacts logged in the period more than sla.log_within_hours late, per rep.
    (N_("Late logs"), INTEGER),
    # Seed template 4's last columns (主要成功因素, 主要失败因素, 改进措施): the review
    # meeting's conclusions, on the period's row (the company's) and each team's row.
    (N_("Main success factors"), None),
    (N_("Main failure factors"), None),
    (N_("Improvement measures"), None),
)
SUMMARY = _named(
    (N_("Section"), None),
    (N_("Item"), None),
    (N_("Value"), None),
    (N_("Share"), PERCENT),
)


def _share(percent: float | None) -> float | None:
    return None if percent is None else percent / 100


def _factors(notes: ReviewNotes | None) -> list[str | None]:
    """The three conclusions as cells: one line per factor entered."""
    if notes is None:
        return [None] * 3
    return ["\n".join(f) or None for f in (notes.success, notes.failure, notes.improve)]


def _result(section: str, t: TargetLine, notes: ReviewNotes | None = None) -> list[Any]:
    return [
        section,
        t.name,
        t.team,
        None,
        None,
        None,
        None,
        t.won,
        t.won_value,
        t.won_value / t.won if t.won else None,
        t.lost,
        t.win_rate,
        t.open_leads,
        t.open_value,
        t.target_revenue,
        _share(t.revenue_progress),
        t.new_customers,
        t.target_new_customers,
        _share(t.new_customers_progress),
        t.repeat_rate,
        t.target_repeat_rate,
        t.late_logs,
        *_factors(notes),
    ]


def conversion_rows(r: Review) -> Table:
    """One row for the period, one per channel, rep and team; filter on Section. The
    period's row holds the company's conclusions, a team's row the team's."""
    notes = {n.team_id: n for n in r.notes}
    rows: list[list[Any]] = [
        [
            _("Total"),
            _("Period {period}").format(period=r.period),
            None,
            r.total_leads,
            r.valid_leads,
            r.cohort_won,
            r.conversion_rate,
            r.won_deals,
            r.won_value,
            r.average_deal_size,
            r.lost_deals,
            win_rate(r.won_deals, r.lost_deals),
            *[None] * 10,
            *_factors(notes.get(None)),
        ]
    ]
    rows += [
        [
            _("Channel"),
            label("channel", c.channel),
            None,
            c.leads,
            c.valid,
            c.won,
            c.conversion_rate,
            c.deals_won,
            c.won_value,
            c.average_deal_size,
            *[None] * 15,
        ]
        for c in r.channels
    ]
    rows += [_result(_("Rep"), t) for t in r.reps]
    rows += [_result(_("Team"), t, notes.get(t.id)) for t in r.teams]
    return CONVERSION, rows


def summary_rows(r: Review) -> Table:
    """Headline numbers, then funnel, loss reasons, SLA, cycle and grade changes."""
    headline = _("Headline")
    rows: list[list[Any]] = [
        [headline, _("Leads created"), r.total_leads, None],
        [headline, _("Valid leads"), r.valid_leads, None],
        [headline, _("Opportunities"), r.opportunities, None],
        [headline, _("Grade-A opportunities"), r.grade_a_opportunities, None],
        [headline, _("Won, of the leads created"), r.cohort_won, r.conversion_rate],
        [headline, _("Deals won in the period"), r.won_deals, None],
        [headline, _("Won value"), r.won_value, None],
        [headline, _("Average deal size"), r.average_deal_size, None],
        [headline, _("Average cycle, opportunity to won (days)"), r.average_cycle_days, None],
        [headline, _("Deals lost in the period"), r.lost_deals, None],
        [headline, _("First-contact SLA compliance"), None, r.sla_compliance],
    ]
    for step in r.funnel:  # each state, then its sub-stages named with it
        state = label("state", step.state)
        rows.append([_("Funnel"), state, step.count, step.share])
        rows += [
            [_("Funnel"), f"{state}: {sub_stage_label(s.stage)}", s.count, s.share]
            for s in step.sub_stages
        ]
    rows += [
        [_("Loss reason"), label("loss_reason", s.reason), s.count, s.share] for s in r.loss_reasons
    ]
    rows += [
        [
            _("SLA"),
            _("{priority}: met {met}, breached {breached}, pending {pending}").format(
                priority=label("priority", s.priority),
                met=s.met,
                breached=s.breached,
                pending=s.pending,
            ),
            s.met + s.breached,
            s.compliance,
        ]
        for s in r.sla
    ]
    rows += [[_("Cycle (days)"), b.label, b.count, None] for b in r.cycle_distribution]
    rows += [
        [_("Grade change"), f"{label('grade', m.old)} -> {label('grade', m.new)}", m.count, None]
        for m in r.grade_changes
    ]
    return SUMMARY, rows
