"""leads: the handoff's delivery owner, dates and customer contact; handoffs: when a package
naming its delivery owner went out

Revision ID: 0015_handoff_delivery
Revises: 0014_register_checks
Create Date: 2026-12-08

"""

from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0015_handoff_delivery"
down_revision: Union[str, Sequence[str], None] = "0014_register_checks"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("delivery_owner", sa.String(length=120), nullable=True),
    sa.Column("delivery_start", sa.Date(), nullable=True),
    sa.Column("go_live", sa.Date(), nullable=True),
    sa.Column("delivery_contact", sa.String(length=200), nullable=True),
)


def upgrade() -> None:
    """Add the columns; a package stored before was handed over under the old rules, so it
    counts as delivered when it was made and no past deal escalates."""
    with op.batch_alter_table("leads") as batch:
        for column in _COLUMNS:
            batch.add_column(column.copy())
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text("UPDATE handoffs SET delivered_at = created_at"))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("delivered_at")
    with op.batch_alter_table("leads") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column.name)
