"""leads: when a register says the lead was entered, what a person should confirm, the
supervisor's check of new entries and when the facts were last confirmed

Revision ID: 0014_register_checks
Revises: 0013_team_timezones
Create Date: 2026-12-06

"""

from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0014_register_checks"
down_revision: Union[str, Sequence[str], None] = "0013_team_timezones"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("entered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("to_confirm", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
    sa.Column("check_state", sa.String(length=10), nullable=True),
    sa.Column("checked_by", sa.String(length=120), nullable=True),
    sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("facts_confirmed_at", sa.DateTime(timezone=True), nullable=True),
)


def upgrade() -> None:
    """Add the columns; a stored lead's facts were last confirmed when it came in, nothing
    stored before asks for a check, and a disqualified lead shows no grade."""
    with op.batch_alter_table("leads") as batch:
        for column in _COLUMNS:
            batch.add_column(column.copy())
    op.execute(sa.text("UPDATE leads SET facts_confirmed_at = created_at"))
    # A lead lost as invalid has no grade and is not valid until a manager reinstates it
    # (rule book §2): leads disqualified before this rule lose the grade they kept.
    op.execute(
        sa.text(
            "UPDATE leads SET grade = NULL, valid = :no "
            "WHERE state = 'lost' AND loss_reason = 'invalid'"
        ).bindparams(no=False)
    )
    op.create_index("ix_leads_check_state", "leads", ["check_state"])
    op.create_index("ix_leads_state_facts_confirmed", "leads", ["state", "facts_confirmed_at"])


def downgrade() -> None:
    """Drop the columns."""
    op.drop_index("ix_leads_state_facts_confirmed", table_name="leads")
    op.drop_index("ix_leads_check_state", table_name="leads")
    with op.batch_alter_table("leads") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column.name)
