"""Alembic environment: runs as the owner role; the URL comes from the application settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from aipair.db.base import Base
from aipair.db.migrate import COMPARE_OPTIONS
from aipair.db.registry import import_all_models

import_all_models()
config = context.config
url = config.attributes.get("owner_url") or config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no database URL: run migrations through `aipair db upgrade`")


def run_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            transaction_per_migration=True,
            **COMPARE_OPTIONS,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
