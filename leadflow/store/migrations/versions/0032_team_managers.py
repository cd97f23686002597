"""team_managers: a team may have several managers; each existing team's manager is its first

Revision ID: 0032_team_managers
Revises: 0031_migrated_leads
Create Date: 2026-12-07

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0032_team_managers"
down_revision: Union[str, Sequence[str], None] = "0031_migrated_leads"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add the table and copy each team's manager (name or email) in as its first manager;
    the team's own manager columns stay, repeating the first manager."""
    op.create_table(
        "team_managers",
        sa.Column("id", _INT, nullable=False),
        sa.Column("team_id", _INT, nullable=False),
        sa.Column("position", _INT, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_managers_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_managers")),
        sa.UniqueConstraint("team_id", "position", name="uq_team_managers_place"),
    )
    op.create_index(op.f("ix_team_managers_team_id"), "team_managers", ["team_id"])
    op.execute(
        "INSERT INTO team_managers (team_id, position, name, email) "
        "SELECT id, 0, manager_name, manager_email FROM teams "
        "WHERE manager_name IS NOT NULL OR manager_email IS NOT NULL"
    )


def downgrade() -> None:
    """Drop the table (the first manager stays on the team; the others are lost)."""
    op.drop_index(op.f("ix_team_managers_team_id"), table_name="team_managers")
    op.drop_table("team_managers")
