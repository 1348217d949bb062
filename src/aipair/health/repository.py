"""The statements of the health checks: a real query as the application role and the schema revision."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def schema_revision(engine: AsyncEngine) -> str | None:
    """Run a real query on a pooled connection, then read the migration revision of the database."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        revision: str | None = (
            await conn.execute(text("SELECT version_num FROM alembic_version"))
        ).scalar_one_or_none()
        return revision
