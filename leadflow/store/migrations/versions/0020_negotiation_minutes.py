"""negotiation_minutes: the minutes of each negotiation, the points agreed and the issues
still open, and the customer contact who confirmed them (seed 003: 《谈判纪要》)

Revision ID: 0020_negotiation_minutes
Revises: 0017_grade_confirmation
Create Date: 2026-12-07

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0020_negotiation_minutes"
down_revision: Union[str, Sequence[str], None] = "0017_grade_confirmation"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the table; no lead had minutes before, so none is owed for past contacts
    beyond what the reminder scan finds from now on."""
    op.create_table(
        "negotiation_minutes",
        sa.Column("id", _INT, nullable=False),
        sa.Column("lead_id", _INT, nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreed", sa.JSON(), nullable=False),
        sa.Column("open_issues", sa.JSON(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=120), nullable=False),
        sa.Column("confirmed_title", sa.String(length=120), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name="fk_negotiation_minutes_lead_id_leads",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_negotiation_minutes"),
    )
    op.create_index("ix_negotiation_minutes_lead_id", "negotiation_minutes", ["lead_id"])


def downgrade() -> None:
    """Drop the table."""
    op.drop_index("ix_negotiation_minutes_lead_id", table_name="negotiation_minutes")
    op.drop_table("negotiation_minutes")
