"""review_notes: the review meeting's success factors, failure factors and improvement
measures per period and team

Revision ID: 0016_review_notes
Revises: 0015_handoff_delivery
Create Date: 2026-12-07

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0016_review_notes"
down_revision: Union[str, Sequence[str], None] = "0015_handoff_delivery"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "review_notes",
        sa.Column("id", _INT, nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("team_id", _INT, nullable=True),
        sa.Column("success", sa.JSON(), nullable=False),
        sa.Column("failure", sa.JSON(), nullable=False),
        sa.Column("improve", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_review_notes_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_review_notes"),
        sa.UniqueConstraint("period", "team_id", name="uq_review_notes_period_team"),
    )
    op.create_index("ix_review_notes_period", "review_notes", ["period"])


def downgrade() -> None:
    """Drop the table."""
    op.drop_index("ix_review_notes_period", table_name="review_notes")
    op.drop_table("review_notes")
