"""review indexes, one target per period and owner, outbox attachments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Index the review's date columns; make targets unique; let mail carry attachments."""
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_leads_won_at", ["won_at"], unique=False)
        batch_op.create_index("ix_leads_lost_at", ["lost_at"], unique=False)
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_targets_period_team", ["period", "team_id"])
        batch_op.create_unique_constraint("uq_targets_period_rep", ["period", "rep_id"])
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachments", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Undo 0004."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("attachments")
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_constraint("uq_targets_period_rep", type_="unique")
        batch_op.drop_constraint("uq_targets_period_team", type_="unique")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_won_at")
        batch_op.drop_index("ix_leads_lost_at")
        batch_op.drop_index("ix_leads_created_at")
