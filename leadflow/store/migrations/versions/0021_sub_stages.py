"""leads: the stage inside a deal (seed 001: 技术评估阶段, 价格谈判阶段) and when it was
reached

Revision ID: 0021_sub_stages
Revises: 0020_negotiation_minutes
Create Date: 2026-12-07

"""

from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0021_sub_stages"
down_revision: Union[str, Sequence[str], None] = "0020_negotiation_minutes"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("sub_stage", sa.String(length=60), nullable=True),
    sa.Column("sub_stage_at", sa.DateTime(timezone=True), nullable=True),
)


def upgrade() -> None:
    """Add the columns; deals stored before have no sub-stage until their owner sets one
    (the rule book's defaults are not guessed for them)."""
    with op.batch_alter_table("leads") as batch:
        for column in _COLUMNS:
            batch.add_column(column.copy())


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("leads") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column.name)
