"""``Annotated`` alias for the application's session factory (for routes outside a tenant transaction)."""

from __future__ import annotations

from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.db.database import Database
from aipair.kit.injection import provided

Sessions = Annotated[async_sessionmaker[AsyncSession], provided(async_sessionmaker)]
Databases = Annotated[Database, provided(Database)]
