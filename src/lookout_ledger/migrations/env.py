"""Alembic environment: runs on the connection the ledger hands it (see core.db.migrate)."""

from alembic import context
from sqlalchemy import create_engine

import lookout_ledger.models as models

config = context.config
target_metadata = models.Base.metadata


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate must not touch the full-text index: SQLite's FTS5 keeps shadow tables
    (record_search_*) that the models do not describe, and dropping them breaks search."""
    return not (type_ == "table" and name is not None and name.startswith("record_search"))


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        assert url, "alembic needs a connection or sqlalchemy.url"
        engine = create_engine(url)
        with engine.begin() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True, include_object=include_object
            )
            context.run_migrations()
        return
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, include_object=include_object
    )
    context.run_migrations()


run()
