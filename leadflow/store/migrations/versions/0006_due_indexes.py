"""due-timer indexes: the reminder scan reads only the rows that are due

Revision ID: 0006_due_indexes
Revises: 0005_outbox_in_doubt
Create Date: 2026-11-23

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_due_indexes"
down_revision: Union[str, Sequence[str], None] = "0005_outbox_in_doubt"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_NOT_CONTACTED = sa.text("first_contacted_at IS NULL")


def upgrade() -> None:
    """Index each timer behind the state it applies to (closed leads keep old timers, so a
    plain index on the timer walks every closed lead), and first contact while pending."""
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leads_first_contact_pending",
            ["first_contact_due"],
            unique=False,
            sqlite_where=_NOT_CONTACTED,
            postgresql_where=_NOT_CONTACTED,
        )
        batch_op.create_index(
            "ix_leads_state_next_action_due", ["state", "next_action_due"], unique=False
        )
        batch_op.create_index(
            "ix_leads_state_next_cadence_due", ["state", "next_cadence_due"], unique=False
        )
        batch_op.create_index(
            "ix_leads_state_last_contact", ["state", "last_contact_at", "assigned_at"], unique=False
        )


def downgrade() -> None:
    """Undo 0006_due_indexes."""
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_state_last_contact")
        batch_op.drop_index("ix_leads_state_next_cadence_due")
        batch_op.drop_index("ix_leads_state_next_action_due")
        batch_op.drop_index("ix_leads_first_contact_pending")
