"""import_row_keys: the key of each stored row of an imported file, so that a file
imported again skips the rows already stored (issue 30 item 7)

Revision ID: 0028_import_row_keys
Revises: 0026_contract_approval
Create Date: 2026-12-07

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0028_import_row_keys"
down_revision: Union[str, Sequence[str], None] = "0026_contract_approval"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the table; rows imported before it have no key, so a file imported before
    and imported again is taken as before (rows with an external id are still known)."""
    op.create_table(
        "import_row_keys",
        sa.Column("id", _INT, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("run", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_import_row_keys"),
        sa.UniqueConstraint("key", name="uq_import_row_keys_key"),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("import_row_keys")
