"""What the review workbook holds: the columns and queries of the lead register, follow-up
log and opportunity grading, and the review's own numbers as rows (the period conversion
review per channel, rep and team; a summary of headline, funnel, losses, SLA, cycle)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from leadflow.services.review import KEPT, Period, within
from leadflow.services.review_render import Review, TargetLine
from leadflow.store.models import Activity, Lead, OpportunityAssessment, SalesRep, Team

MONEY, PERCENT, INTEGER = "#,##0.00", "0.0%", "#,##0"
DATE, TIME = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Column:
    """One column: its header, the SQL expression (or row key) it shows, its format."""

    header: str
    source: Any
    fmt: str | None = None
    width: float = 14
    sensitive: bool = False


_OWNER = SalesRep.name.label("owner")
LEAD_REGISTER = [
    Column("Lead ID", Lead.id, INTEGER, 9), Column("Created (UTC)", Lead.created_at, TIME, 17),
    Column("Source", Lead.source, None, 16), Column("Source detail", Lead.source_detail, None, 24),
    Column("Company", Lead.company_name, None, 28), Column("Contact", Lead.contact_name, None, 20),
    Column("Title", Lead.contact_title, None, 16), Column("Contact role", Lead.contact_role),
    Column("Phone", Lead.phone, None, 17), Column("Email", Lead.email, None, 26),
    Column("Need", Lead.need, None, 34), Column("Industry", Lead.industry),
    Column("Company size", Lead.company_size, None, 12),
    Column("Employees", Lead.employees, INTEGER, 11),
    Column("Annual revenue", Lead.annual_revenue, MONEY, 16),
    Column("Region", Lead.region, None, 11),
    Column("Budget min", Lead.budget_min, MONEY, 14, True),
    Column("Budget max", Lead.budget_max, MONEY, 14, True),
    Column("Budget confirmed", Lead.budget_confirmed, MONEY, 16, True),
    Column("Timeline", Lead.timeline, DATE, 12), Column("Tags", Lead.tags, None, 20),
    Column("State", Lead.state, None, 12), Column("Valid", Lead.valid, None, 8),
    Column("Invalid reason", Lead.invalid_reason, None, 24),
    Column("Score", Lead.score, INTEGER, 8), Column("Priority", Lead.priority, None, 10),
    Column("Grade", Lead.grade, None, 8), Column("Opportunity grade", Lead.opportunity_grade),
    Column("Owner", _OWNER, None, 20), Column("Team", Team.name.label("team"), None, 14),
    Column("Assigned (UTC)", Lead.assigned_at, TIME, 17),
    Column("First contact due (UTC)", Lead.first_contact_due, TIME, 17),
    Column("First contacted (UTC)", Lead.first_contacted_at, TIME, 17),
    Column("Last contact (UTC)", Lead.last_contact_at, TIME, 17),
    Column("Next action", Lead.next_action, None, 24),
    Column("Next action due (UTC)", Lead.next_action_due, TIME, 17),
    Column("Opportunity since (UTC)", Lead.opportunity_at, TIME, 17),
    Column("Won (UTC)", Lead.won_at, TIME, 17), Column("Lost (UTC)", Lead.lost_at, TIME, 17),
    Column("Loss reason", Lead.loss_reason),
    Column("Contract value", Lead.contract_value, MONEY, 16),
    Column("Payment terms", Lead.payment_terms, None, 22),
    Column("Delivery date", Lead.delivery_date, DATE, 12),
    Column("Repeat of lead", Lead.repeat_of_id, INTEGER, 10),
    Column("Decision-chain notes", Lead.decision_chain_notes, None, 28, True),
    Column("Internal notes", Lead.internal_notes, None, 28, True),
]
FOLLOW_UP_LOG = [
    Column("Time (UTC)", Activity.at, TIME, 17), Column("Lead ID", Activity.lead_id, INTEGER, 9),
    Column("Company", Lead.company_name, None, 28), Column("Rep", _OWNER, None, 20),
    Column("Channel", Activity.channel, None, 10),
    Column("Key points", Activity.key_points, None, 34),
    Column("Customer feedback", Activity.feedback, None, 28),
    Column("Next action", Activity.next_action, None, 26),
    Column("Next action due (UTC)", Activity.next_action_due, TIME, 17),
    Column("Logged (UTC)", Activity.logged_at, TIME, 17),
]
OPPORTUNITY_GRADING = [
    Column("Assessed (UTC)", OpportunityAssessment.assessed_at, TIME, 17),
    Column("Lead ID", OpportunityAssessment.lead_id, INTEGER, 9),
    Column("Company", Lead.company_name, None, 28), Column("Owner", _OWNER, None, 20),
    Column("Urgency", OpportunityAssessment.urgency, None, 11),
    Column("Budget", OpportunityAssessment.budget, MONEY, 15, True),
    Column("Competition", OpportunityAssessment.competition, None, 13),
    Column("Decision chain", OpportunityAssessment.decision_chain, None, 14),
    Column("Points", OpportunityAssessment.points, INTEGER, 8),
    Column("Grade", OpportunityAssessment.grade, None, 8),
    Column("Assessed by", OpportunityAssessment.assessed_by, None, 16),
    Column("Lead state now", Lead.state, None, 13),
    Column("Decision-chain notes", Lead.decision_chain_notes, None, 28, True),
]


def _query(columns: Sequence[Column], base: Select[Any]) -> Select[Any]:
    return base.with_only_columns(*[c.source for c in columns])


def row_tables(period: Period) -> list[tuple[str, list[Column], Select[Any]]]:
    """The three row tables of the period and the query of each."""
    owner = SalesRep.id == Lead.owner_id
    register = (select(Lead.id).outerjoin(SalesRep, owner).outerjoin(Team, Team.id == Lead.team_id)
                .where(within(Lead.created_at, period), KEPT).order_by(Lead.id))
    log = (select(Activity.id).join(Lead, Lead.id == Activity.lead_id)
           .outerjoin(SalesRep, SalesRep.id == Activity.rep_id)
           .where(within(Activity.at, period)).order_by(Activity.at, Activity.id))
    grading = (select(OpportunityAssessment.id).join(Lead, Lead.id == OpportunityAssessment.lead_id)
               .outerjoin(SalesRep, owner).where(within(OpportunityAssessment.assessed_at, period))
               .order_by(OpportunityAssessment.assessed_at, OpportunityAssessment.id))
    return [("Lead register", LEAD_REGISTER, _query(LEAD_REGISTER, register)),
            ("Follow-up log", FOLLOW_UP_LOG, _query(FOLLOW_UP_LOG, log)),
            ("Opportunity grading", OPPORTUNITY_GRADING, _query(OPPORTUNITY_GRADING, grading))]


Table = tuple[list["Column"], list[list[Any]]]

def _named(*specs: tuple[str, str | None, float]) -> list[Column]:
    """Columns of rows built here (not queried): the header names the value."""
    return [Column(header, header, fmt, width) for header, fmt, width in specs]


CONVERSION = _named(
    ("Section", None, 10), ("Name", None, 24), ("Team", None, 14), ("Leads", INTEGER, 9),
    ("Valid", INTEGER, 9), ("Won (of leads created)", INTEGER, 12),
    ("Conversion (won / valid)", PERCENT, 13), ("Deals won in period", INTEGER, 12),
    ("Won value", MONEY, 16), ("Average deal", MONEY, 15), ("Open leads", INTEGER, 10),
    ("Open value", MONEY, 16), ("Revenue target", MONEY, 16), ("Revenue progress", PERCENT, 12),
    ("New customers", INTEGER, 11), ("New-customer target", INTEGER, 12),
    ("New-customer progress", PERCENT, 12), ("Repeat rate", PERCENT, 10),
    ("Repeat-rate target", PERCENT, 11))
SUMMARY = _named(("Section", None, 16), ("Item", None, 38), ("Value", None, 14),
                 ("Share", PERCENT, 10))


def _share(percent: float | None) -> float | None:
    return None if percent is None else percent / 100


def _result(section: str, t: TargetLine) -> list[Any]:
    return [section, t.name, t.team, None, None, None, None, t.won, t.won_value,
            t.won_value / t.won if t.won else None, t.open_leads, t.open_value,
            t.target_revenue, _share(t.revenue_progress), t.new_customers,
            t.target_new_customers, _share(t.new_customers_progress), t.repeat_rate,
            t.target_repeat_rate]


def conversion_rows(r: Review) -> Table:
    """One row for the period, one per channel, rep and team; filter on Section."""
    rows: list[list[Any]] = [[
        "Total", f"Period {r.period}", None, r.total_leads, r.valid_leads, r.cohort_won,
        r.conversion_rate, r.won_deals, r.won_value, r.average_deal_size,
        *[None] * 9]]
    rows += [["Channel", c.channel, None, c.leads, c.valid, c.won, c.conversion_rate,
              c.deals_won, c.won_value, c.average_deal_size, *[None] * 9] for c in r.channels]
    rows += [_result("Rep", t) for t in r.reps]
    rows += [_result("Team", t) for t in r.teams]
    return CONVERSION, rows


def summary_rows(r: Review) -> Table:
    """Headline numbers, then funnel, loss reasons, SLA, cycle and grade changes."""
    rows: list[list[Any]] = [
        ["Headline", "Leads created", r.total_leads, None],
        ["Headline", "Valid leads", r.valid_leads, None],
        ["Headline", "Opportunities", r.opportunities, None],
        ["Headline", "Grade-A opportunities", r.grade_a_opportunities, None],
        ["Headline", "Won, of the leads created", r.cohort_won, r.conversion_rate],
        ["Headline", "Deals won in the period", r.won_deals, None],
        ["Headline", "Won value", r.won_value, None],
        ["Headline", "Average deal size", r.average_deal_size, None],
        ["Headline", "Average cycle, opportunity to won (days)", r.average_cycle_days, None],
        ["Headline", "Deals lost in the period", r.lost_deals, None],
        ["Headline", "First-contact SLA compliance", None, r.sla_compliance],
    ]
    rows += [["Funnel", s.state, s.count, s.share] for s in r.funnel]
    rows += [["Loss reason", s.reason, s.count, s.share] for s in r.loss_reasons]
    rows += [["SLA", f"{s.priority}: met {s.met}, breached {s.breached}, pending {s.pending}",
              s.met + s.breached, s.compliance] for s in r.sla]
    rows += [["Cycle (days)", b.label, b.count, None] for b in r.cycle_distribution]
    rows += [["Grade change", f"{m.old} -> {m.new}", m.count, None] for m in r.grade_changes]
    return SUMMARY, rows
