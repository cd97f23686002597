"""accounts (tier, follow-up team) with their history, and teams' customer types

Revision ID: 0023_key_accounts
Revises: 0021_sub_stages
Create Date: 2026-12-07

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0023_key_accounts"
down_revision: Union[str, Sequence[str], None] = "0021_sub_stages"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the tables; every existing team covers both customer types."""
    with op.batch_alter_table("teams") as batch:
        batch.add_column(
            sa.Column("customer_types", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
    op.create_table(
        "accounts",
        sa.Column("id", _INT, nullable=False),
        sa.Column("company_key", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("tier", sa.String(length=10), nullable=False),
        sa.Column("team_id", _INT, nullable=True),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.CheckConstraint("tier IN ('initial', 'high', 'key')", name="ck_accounts_tier"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_accounts_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("company_key", name="uq_accounts_company_key"),
    )
    op.create_table(
        "account_history",
        sa.Column("id", _INT, nullable=False),
        sa.Column("account_id", _INT, nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.String(length=300), nullable=True),
        sa.Column("new_value", sa.String(length=300), nullable=True),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.Column("changed_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_account_history_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_account_history"),
    )
    op.create_index("ix_account_history_account_id", "account_history", ["account_id"])


def downgrade() -> None:
    """Drop the tables and the column."""
    op.drop_index("ix_account_history_account_id", table_name="account_history")
    op.drop_table("account_history")
    op.drop_table("accounts")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("customer_types")
