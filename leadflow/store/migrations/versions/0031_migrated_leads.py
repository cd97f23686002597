"""migrated leads: when a lead came in from another CRM's history, and loss reasons as written

Revision ID: 0031_migrated_leads
Revises: 0030_match_key_claims
Create Date: 2026-12-07

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0031_migrated_leads"
down_revision: Union[str, Sequence[str], None] = "0030_match_key_claims"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add leads.migrated_at; a CRM's own loss reasons are kept as written, so the column
    takes 200 characters (SQLite does not enforce a VARCHAR's length)."""
    op.add_column("leads", sa.Column("migrated_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("leads", "loss_reason", type_=sa.String(length=200))


def downgrade() -> None:
    """Drop the marker (loss reasons longer than 20 characters are cut)."""
    if op.get_bind().dialect.name != "sqlite":
        op.execute("UPDATE leads SET loss_reason = LEFT(loss_reason, 20)")
        op.alter_column("leads", "loss_reason", type_=sa.String(length=20))
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("migrated_at")
