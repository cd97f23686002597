"""win_models and lead_win_scores: versioned win-probability models and each lead's score

Revision ID: 0011_win_model
Revises: 0010_bigint_ids
Create Date: 2026-11-29

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0011_win_model"
down_revision: Union[str, Sequence[str], None] = "0010_bigint_ids"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# 64-bit on PostgreSQL like every other integer column (0010); SQLite's INTEGER already is.
_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the model versions table and the per-lead score table."""
    op.create_table(
        "win_models",
        sa.Column("id", _INT, nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trained_by", sa.String(length=120), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holdout_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_leads", _INT, nullable=False),
        sa.Column("wins", _INT, nullable=False),
        sa.Column("train_leads", _INT, nullable=False),
        sa.Column("holdout_leads", _INT, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("library", sa.String(length=60), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_win_models")),
    )
    op.create_index("ix_win_models_active", "win_models", ["active"], unique=False)
    op.create_table(
        "lead_win_scores",
        sa.Column("lead_id", _INT, nullable=False),
        sa.Column("model_id", _INT, nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            ondelete="CASCADE",
            name=op.f("fk_lead_win_scores_lead_id_leads"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["win_models.id"],
            ondelete="CASCADE",
            name=op.f("fk_lead_win_scores_model_id_win_models"),
        ),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_lead_win_scores")),
    )
    op.create_index(
        "ix_lead_win_scores_probability", "lead_win_scores", ["probability"], unique=False
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_lead_win_scores_probability", table_name="lead_win_scores")
    op.drop_table("lead_win_scores")
    op.drop_index("ix_win_models_active", table_name="win_models")
    op.drop_table("win_models")
