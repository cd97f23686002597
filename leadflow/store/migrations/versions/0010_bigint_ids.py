"""every integer column 64-bit on PostgreSQL, as SQLite's already are; the database is UTF-8

Revision ID: 0010_bigint_ids
Revises: 0008_operations
Create Date: 2026-11-29

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010_bigint_ids"
down_revision: Union[str, Sequence[str], None] = "0008_operations"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# SQLite's INTEGER is 64-bit; PostgreSQL's was 32-bit, so an id of 2^31 was a valid request
# on one backend and a database error on the other. Afterwards both hold 1 .. 2^63-1.
_COLUMNS = sa.text(
    "SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND data_type = :old "
    "AND table_name <> 'alembic_version' ORDER BY table_name, ordinal_position"
)
_SEQUENCES = sa.text(
    "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() "
    "AND data_type = CAST(:old AS regtype)"
)


def _check_encoding(bind: sa.Connection) -> None:
    # Declared lengths are characters only when the database stores UTF-8: under SQL_ASCII
    # PostgreSQL counts bytes, so 300 "ß" would not fit a 300-character column.
    encoding = bind.scalar(sa.text("SHOW server_encoding"))
    if encoding != "UTF8":
        raise RuntimeError(
            f"the database's encoding is {encoding}; LeadFlow needs UTF8 "
            "(CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)"
        )


def _retype(old: str, new: str) -> None:
    bind = op.get_bind()
    tables: dict[str, list[str]] = {}
    for table, column in bind.execute(_COLUMNS, {"old": old}):
        tables.setdefault(table, []).append(column)
    for table, columns in tables.items():  # one rewrite per table
        changes = ", ".join(f'ALTER COLUMN "{c}" TYPE {new}' for c in columns)
        op.execute(f'ALTER TABLE "{table}" {changes}')
    for (sequence,) in bind.execute(_SEQUENCES, {"old": old}).all():
        op.execute(f'ALTER SEQUENCE "{sequence}" AS {new}')


def upgrade() -> None:
    """Widen every integer column and id sequence to bigint on PostgreSQL."""
    if op.get_bind().dialect.name == "postgresql":
        _check_encoding(op.get_bind())
        _retype("integer", "bigint")


def downgrade() -> None:
    """Back to 32-bit integers (fails if a stored value no longer fits)."""
    if op.get_bind().dialect.name == "postgresql":
        _retype("bigint", "integer")
