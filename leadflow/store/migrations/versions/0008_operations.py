"""a team's daily operations: contract, objection answers, plans, touches, repeat business,
invalid-lead review

Revision ID: 0008_operations
Revises: 0007_leads_fillfactor
Create Date: 2026-11-29

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = "0008_operations"
down_revision: Union[str, Sequence[str], None] = "0007_leads_fillfactor"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Columns for the contract's legal review, repeat business and the invalid-lead review;
    who answered an objection and whether it is a key one; the touches and plans tables."""
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_reviewed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("repeat_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("invalid_review", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("invalid_reviewed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("invalid_reviewed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_leads_repeat_of_id_leads"), "leads", ["repeat_of_id"], ["id"]
        )
        batch_op.create_index("ix_leads_repeat_of_id", ["repeat_of_id"], unique=False)
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("key", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("answered_by", sa.String(length=120), nullable=True))
    op.create_table(
        "lead_touches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("need", sa.Text(), nullable=True),
        sa.Column("origin", sa.String(length=300), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_touches_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_touches")),
    )
    op.create_index("ix_lead_touches_lead_id", "lead_touches", ["lead_id"], unique=False)
    op.create_table(
        "conversion_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("pain_points", sa.Text(), nullable=False),
        sa.Column("advantages", sa.Text(), nullable=False),
        sa.Column("strategy", sa.Text(), nullable=False),
        sa.Column("milestones", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_conversion_plans_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversion_plans")),
    )
    op.create_index("ix_conversion_plans_lead_id", "conversion_plans", ["lead_id"], unique=False)


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("ix_conversion_plans_lead_id", table_name="conversion_plans")
    op.drop_table("conversion_plans")
    op.drop_index("ix_lead_touches_lead_id", table_name="lead_touches")
    op.drop_table("lead_touches")
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_column("answered_by")
        batch_op.drop_column("key")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_repeat_of_id")
        batch_op.drop_constraint(batch_op.f("fk_leads_repeat_of_id_leads"), type_="foreignkey")
        batch_op.drop_column("invalid_reviewed_at")
        batch_op.drop_column("invalid_reviewed_by")
        batch_op.drop_column("invalid_review")
        batch_op.drop_column("repeat_of_id")
        batch_op.drop_column("legal_reviewed_by")
