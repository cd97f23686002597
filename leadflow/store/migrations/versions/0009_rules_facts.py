"""facts the rule book's timers and reviews read: first opportunity, entry, slipped deals,
the grade-A brief, late contact logs and the post-win review

Revision ID: 0009_rules_facts
Revises: 0011_win_model
Create Date: 2026-11-29

"""

from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009_rules_facts"
down_revision: Union[str, Sequence[str], None] = "0011_win_model"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_LEAD_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("first_opportunity_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("entered_by", sa.String(length=120), nullable=True),
    sa.Column("customer_type", sa.String(length=12), nullable=True),
    sa.Column("slipped", sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column("brief_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("brief_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("brief", sa.Text(), nullable=True),
)


def upgrade() -> None:
    """Add the columns; a lead's first opportunity time is its earliest audited entry."""
    with op.batch_alter_table("leads") as batch:
        for column in _LEAD_COLUMNS:
            batch.add_column(column.copy())
    op.create_index(
        "ix_leads_brief_pending",
        "leads",
        ["brief_due"],
        sqlite_where=sa.text("brief_at IS NULL"),
        postgresql_where=sa.text("brief_at IS NULL"),
    )
    op.execute(
        "UPDATE leads SET first_opportunity_at = (SELECT min(t.at) FROM lead_transitions t"
        " WHERE t.lead_id = leads.id AND t.to_state = 'opportunity')"
        " WHERE opportunity_at IS NOT NULL"
    )
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_notes", sa.Text(), nullable=True))
    op.create_index(
        "ix_handoffs_review_pending",
        "handoffs",
        ["review_due"],
        sqlite_where=sa.text("reviewed_at IS NULL"),
        postgresql_where=sa.text("reviewed_at IS NULL"),
    )


def downgrade() -> None:
    """Undo 0009_rules_facts."""
    op.drop_index("ix_handoffs_review_pending", table_name="handoffs")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("review_notes")
        batch.drop_column("reviewed_at")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("late")
    op.drop_index("ix_leads_brief_pending", table_name="leads")
    with op.batch_alter_table("leads") as batch:
        for column in reversed(_LEAD_COLUMNS):
            batch.drop_column(column.name)
