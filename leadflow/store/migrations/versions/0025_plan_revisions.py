"""conversion_plans: the price range and terms offered and the plan's own approval;
price_deviations: an approved contract value outside the approved range

Revision ID: 0025_plan_revisions
Revises: 0024_activity_targets
Create Date: 2026-12-07

"""

from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0025_plan_revisions"
down_revision: Union[str, Sequence[str], None] = "0024_activity_targets"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("price_min", sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column("price_max", sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column("terms", sa.Text(), nullable=True),
    sa.Column("approved_role", sa.String(length=20), nullable=True),
    sa.Column("approved_by", sa.String(length=120), nullable=True),
    sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
)
# The approval a lead holds was given to its newest plan: the plan keeps it from now on.
_CARRY = """
UPDATE conversion_plans SET
  approved_role = (SELECT approved_role FROM leads WHERE leads.id = conversion_plans.lead_id),
  approved_by = (SELECT approved_by FROM leads WHERE leads.id = conversion_plans.lead_id),
  approved_at = (SELECT approved_at FROM leads WHERE leads.id = conversion_plans.lead_id)
WHERE id IN (SELECT max(id) FROM conversion_plans GROUP BY lead_id)
  AND lead_id IN (SELECT id FROM leads WHERE approved_role IS NOT NULL)
"""


def upgrade() -> None:
    """Add the columns (plans from before have no price: any contract value stands for
    them) and the deviations table; the newest plan of an approved lead is approved."""
    with op.batch_alter_table("conversion_plans") as batch:
        for column in _COLUMNS:
            batch.add_column(column.copy())
    op.execute(sa.text(_CARRY))
    op.create_table(
        "price_deviations",
        sa.Column("id", _INT, nullable=False),
        sa.Column("lead_id", _INT, nullable=False),
        sa.Column("plan_id", _INT, nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_role", sa.String(length=20), nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_price_deviations_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["conversion_plans.id"],
            name=op.f("fk_price_deviations_plan_id_conversion_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_deviations")),
    )
    op.create_index("ix_price_deviations_lead_id", "price_deviations", ["lead_id"], unique=False)


def downgrade() -> None:
    """Drop the deviations and the columns."""
    op.drop_index("ix_price_deviations_lead_id", table_name="price_deviations")
    op.drop_table("price_deviations")
    with op.batch_alter_table("conversion_plans") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column.name)
