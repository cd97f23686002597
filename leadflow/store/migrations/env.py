"""Alembic environment: migrates the database the caller's config names."""

from alembic import context
from sqlalchemy import Connection

from leadflow.store.migrate import migrating
from leadflow.store.models import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn: Connection) -> None:
    context.configure(
        connection=conn, target_metadata=Base.metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    with migrating(str(config.get_main_option("sqlalchemy.url"))) as conn:
        _run(conn)
