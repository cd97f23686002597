"""rep_claims: slots of reps' capacity claimed by intake chunks not yet committed

Revision ID: 0012_rep_claims
Revises: 0009_rules_facts
Create Date: 2026-11-30

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0012_rep_claims"
down_revision: Union[str, Sequence[str], None] = "0009_rules_facts"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# 64-bit on PostgreSQL like every other integer column (0010); SQLite's INTEGER already is.
_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the claims table (empty whenever no intake chunk is running)."""
    op.create_table(
        "rep_claims",
        sa.Column("id", _INT, nullable=False),
        sa.Column("rep_id", _INT, nullable=False),
        sa.Column("lead_id", _INT, nullable=False),
        sa.Column("xact", _INT, nullable=False),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["sales_reps.id"],
            ondelete="CASCADE",
            name=op.f("fk_rep_claims_rep_id_sales_reps"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rep_claims")),
    )
    op.create_index("ix_rep_claims_rep_id", "rep_claims", ["rep_id"], unique=False)
    op.create_index("ix_rep_claims_xact", "rep_claims", ["xact"], unique=False)


def downgrade() -> None:
    """Drop the claims table."""
    op.drop_index("ix_rep_claims_xact", table_name="rep_claims")
    op.drop_index("ix_rep_claims_rep_id", table_name="rep_claims")
    op.drop_table("rep_claims")
