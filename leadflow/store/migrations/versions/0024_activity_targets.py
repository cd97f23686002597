"""targets: activity targets (valid leads a week per channel, follow-ups a working day)
and their approval and filing (proposed, then filed by a director)

Revision ID: 0024_activity_targets
Revises: 0023_key_accounts
Create Date: 2026-12-07

"""

from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0024_activity_targets"
down_revision: Union[str, Sequence[str], None] = "0023_key_accounts"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("valid_leads", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
    sa.Column("follow_ups_per_day", _INT, nullable=True),
    sa.Column("status", sa.String(length=10), server_default="proposed", nullable=False),
    sa.Column("proposed_by", sa.String(length=120), nullable=True),
    sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("approved_by", sa.String(length=120), nullable=True),
    sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
)


def upgrade() -> None:
    """Add the columns; targets set before were never approved, so they are proposed."""
    with op.batch_alter_table("targets") as batch:
        for column in _COLUMNS:
            batch.add_column(column.copy())
        batch.create_check_constraint(
            op.f("ck_targets_status"), sa.text("status IN ('proposed', 'filed')")
        )


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("targets") as batch:
        batch.drop_constraint(op.f("ck_targets_status"), type_="check")
        for column in reversed(_COLUMNS):
            batch.drop_column(column.name)
