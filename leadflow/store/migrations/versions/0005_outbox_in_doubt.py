"""outbox: mark a message as being sent before the send, so a crash leaves it in doubt

Revision ID: 0005_outbox_in_doubt
Revises: 0004
Create Date: 2026-11-23

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005_outbox_in_doubt"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add outbox.sending_since: set (and committed) before a send, cleared by its outcome."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop outbox.sending_since."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("sending_since")
