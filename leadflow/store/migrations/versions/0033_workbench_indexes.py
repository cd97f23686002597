"""workbench indexes: the pages of a million leads read only the rows they show

Revision ID: 0033_workbench_indexes
Revises: 0032_team_managers
Create Date: 2026-12-07

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0033_workbench_indexes"
down_revision: Union[str, Sequence[str], None] = "0032_team_managers"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_UNAPPROVED = sa.text("approved_at IS NULL")
# Both halves: SQLite's planner never reads an index for an IS NOT NULL alone.
_CONTRACT_PENDING = sa.text("contract_drafted_at IS NOT NULL AND contract_approved_at IS NULL")
_UNDELIVERED = sa.text("delivered_at IS NULL")


def upgrade() -> None:
    """A pipeline column reads a state's leads in id order (without it, a state with no
    leads walked the whole table); the invalid leads to review are read by reason and
    time lost; what awaits approval, from the plans and contract drafts still pending; a
    rep's late handoffs, from the packages not delivered."""
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_state_id", ["state", "id"], unique=False)
        batch_op.create_index("ix_leads_reason_lost_at", ["loss_reason", "lost_at"], unique=False)
        batch_op.create_index(
            "ix_leads_contract_pending",
            ["contract_drafted_at"],
            unique=False,
            sqlite_where=_CONTRACT_PENDING,
            postgresql_where=_CONTRACT_PENDING,
        )
    with op.batch_alter_table("conversion_plans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversion_plans_unapproved",
            ["lead_id"],
            unique=False,
            sqlite_where=_UNAPPROVED,
            postgresql_where=_UNAPPROVED,
        )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_handoffs_undelivered",
            ["lead_id"],
            unique=False,
            sqlite_where=_UNDELIVERED,
            postgresql_where=_UNDELIVERED,
        )


def downgrade() -> None:
    """Undo 0033_workbench_indexes."""
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index("ix_handoffs_undelivered")
    with op.batch_alter_table("conversion_plans", schema=None) as batch_op:
        batch_op.drop_index("ix_conversion_plans_unapproved")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_contract_pending")
        batch_op.drop_index("ix_leads_reason_lost_at")
        batch_op.drop_index("ix_leads_state_id")
