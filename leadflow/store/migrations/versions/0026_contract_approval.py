"""leads: the contract draft's acceptance standard, liability and confidentiality terms,
when legal reviewed it, who drafted it, and who approved it

Revision ID: 0026_contract_approval
Revises: 0025_plan_revisions
Create Date: 2026-12-07

"""

from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0026_contract_approval"
down_revision: Union[str, Sequence[str], None] = "0025_plan_revisions"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("acceptance_standard", sa.Text(), nullable=True),
    sa.Column("liability_terms", sa.Text(), nullable=True),
    sa.Column("confidentiality_terms", sa.Text(), nullable=True),
    sa.Column("legal_reviewed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("contract_drafted_by", sa.String(length=120), nullable=True),
    sa.Column("contract_drafted_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("contract_approved_by", sa.String(length=120), nullable=True),
    sa.Column("contract_approved_role", sa.String(length=20), nullable=True),
    sa.Column("contract_approved_at", sa.DateTime(timezone=True), nullable=True),
)


def upgrade() -> None:
    """Add the columns; deals won before were signed under the one-step rule and keep
    their contract as it was (no approval is made up for them)."""
    with op.batch_alter_table("leads") as batch:
        for column in _COLUMNS:
            batch.add_column(column.copy())


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("leads") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column.name)
