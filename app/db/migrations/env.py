"""Alembic environment. The engine comes from ``config.attributes['engine']`` (see app.db.migrate)."""

from __future__ import annotations

from alembic import context

from app.db import tables  # noqa: F401  (registers every table on Base.metadata)
from app.db.base import Base

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render project column types as plain SQLAlchemy types: migrations never import app code."""
    from app.db.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # the caller holds the connection (PostgreSQL: with the migration lock)
        _run(connection)
        return
    engine = config.attributes.get("engine")
    if engine is None:
        from app.db.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
        render_item=render_item,
        transaction_per_migration=False,  # PostgreSQL: all revisions in one transaction, all or nothing
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()  # type: ignore[attr-defined]


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run against a database")
run_migrations_online()
