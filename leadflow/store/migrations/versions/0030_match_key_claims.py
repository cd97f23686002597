"""match_key_claims: a row per match key, locked by the writer storing its person

Revision ID: 0030_match_key_claims
Revises: 0029_lead_created_by_key
Create Date: 2026-12-07

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0030_match_key_claims"
down_revision: Union[str, Sequence[str], None] = "0029_lead_created_by_key"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add the table; it fills as writers claim keys (stored leads need no rows: a writer
    claims the keys it reads by before it reads)."""
    op.create_table(
        "match_key_claims",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_match_key_claims")),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("match_key_claims")
