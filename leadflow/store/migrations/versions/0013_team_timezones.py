"""teams.timezone: each team's business hours, SLAs, reminders and review periods run on
its own local clock

Revision ID: 0013_team_timezones
Revises: 0012_rep_claims
Create Date: 2026-12-07

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0013_team_timezones"
down_revision: Union[str, Sequence[str], None] = "0012_rep_claims"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add teams.timezone; existing teams get the settings' default_timezone (UTC unless
    LEADFLOW_DEFAULT_TIMEZONE or settings.yaml says otherwise when the upgrade runs)."""
    from leadflow.settings import get_settings  # the deployment's own default, read now

    zone = get_settings().default_timezone  # first: a bad setting stops before any change
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False)
        )
    op.execute(sa.text("UPDATE teams SET timezone = :zone").bindparams(zone=zone))


def downgrade() -> None:
    """Drop teams.timezone."""
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("timezone")
