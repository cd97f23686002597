"""leads: the API key whose create call stored the lead, so a system key reads only its own

Revision ID: 0029_lead_created_by_key
Revises: 0028_import_row_keys
Create Date: 2026-12-07

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0029_lead_created_by_key"
down_revision: Union[str, Sequence[str], None] = "0028_import_row_keys"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_INDEX = "ix_leads_created_by_key"


def upgrade() -> None:
    """Add the column and its index; leads stored before are left empty (which key sent
    them was not kept), so no system key reads them."""
    with op.batch_alter_table("leads") as batch:
        batch.add_column(
            sa.Column(
                "created_by_key",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch.create_index(_INDEX, ["created_by_key"])


def downgrade() -> None:
    """Drop the index and the column."""
    with op.batch_alter_table("leads") as batch:
        batch.drop_index(_INDEX)
        batch.drop_column("created_by_key")
