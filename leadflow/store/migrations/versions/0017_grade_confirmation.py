"""leads: the assessment due after qualify, the manager's confirmation of the opportunity
grade (or the grade set in its place) and who follows a confirmed grade-A deal

Revision ID: 0017_grade_confirmation
Revises: 0016_review_notes
Create Date: 2026-12-08

"""

from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0017_grade_confirmation"
down_revision: Union[str, Sequence[str], None] = "0016_review_notes"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("assess_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("grade_confirm_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("grade_confirmed_by", sa.String(length=120), nullable=True),
    sa.Column("grade_confirmed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("grade_override", sa.String(length=1), nullable=True),
    sa.Column("followers", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
)
# Each pending timer is read by the reminder scan only while it is pending.
_PENDING = (
    ("ix_leads_assess_pending", "assess_due", "opportunity_grade IS NULL"),
    ("ix_leads_grade_confirm_pending", "grade_confirm_due", "grade_confirmed_at IS NULL"),
)


def upgrade() -> None:
    """Add the columns; no grade given before is asked to be confirmed, and no stored deal
    owes an assessment (their due times stay empty)."""
    with op.batch_alter_table("leads") as batch:
        for column in _COLUMNS:
            batch.add_column(column.copy())
    for name, on, where in _PENDING:
        op.create_index(
            name,
            "leads",
            [on],
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def downgrade() -> None:
    """Drop the columns."""
    for name, _on, _where in reversed(_PENDING):
        op.drop_index(name, table_name="leads")
    with op.batch_alter_table("leads") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column.name)
