"""Async engine and sessions of the application role, with the per-transaction tenant context.

The context is set with ``set_config(..., is_local => true)``, the parameterised form of
``SET LOCAL``: it lives exactly as long as the transaction, so a pooled connection never carries one
request's tenant into the next.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from aipair.config import Settings
from aipair.db.connector import Connector
from aipair.db.pools import OrmPool
from aipair.db.urls import with_driver

SET_CONTEXT = text(
    "SELECT set_config('app.company_id', :company_id, true), set_config('app.user_id', :user_id, true),"
    " set_config('app.platform_role', :platform_role, true),"
    " set_config('app.support_company_id', :support_company_id, true)"
)
SET_LOOKUP = text("SELECT set_config('app.lookup_' || :name, :value, true)")


@dataclass(frozen=True)
class DbContext:
    """What the database may show this transaction: one company, one user, maybe a platform role.

    ``support_company_id`` is the customer company platform staff act in; the support policies
    let them reach its rows only under an open support access grant.
    """

    company_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    platform_role: str = ""
    lookups: dict[str, str] = field(default_factory=dict)
    support_company_id: uuid.UUID | None = None


def connect_options(settings: Settings, application_name: str) -> dict[str, Any]:
    """asyncpg options for connections of the application role.

    Behind a pooler in transaction mode (``db_pooler = "transaction"``) a server connection serves
    another client after every transaction, so nothing may outlive one: asyncpg caches no prepared
    statement, and no session parameter is sent at connect (PgBouncer refuses ``statement_timeout``
    there: ``aipair db upgrade`` sets it for the role). The tenant context needs
    nothing more, being transaction-local already.
    """
    server_settings = {"application_name": application_name}
    if settings.db_pooler == "transaction":
        return {"server_settings": server_settings, "statement_cache_size": 0}
    server_settings["statement_timeout"] = str(settings.db_statement_timeout_ms)
    return {"server_settings": server_settings}


def _unique_statement_name() -> str:
    """A prepared statement name no other client of a shared server connection can be using."""
    return f"__aipair_{uuid.uuid4().hex}__"


def create_engine(settings: Settings, url: str, connector: Connector) -> AsyncEngine:
    """The pooled engine of the application role; ``connector`` opens (and bounds) its connections, and
    a checkout waits at most ``db_checkout_timeout_ms``."""
    adapter: dict[str, Any] = {}
    if settings.db_pooler == "transaction":
        # The ORM prepares named statements: uncached, and named uniquely across processes.
        adapter.update(prepared_statement_cache_size=0, prepared_statement_name_func=_unique_statement_name)
    engine: AsyncEngine | None = None

    def creator() -> Any:
        # SQLAlchemy's own ``async_creator`` passes no adapter options: do what it does, with them.
        assert engine is not None
        dbapi: Any = engine.sync_engine.dialect.dbapi
        return dbapi.connect(async_creator_fn=connector.orm_creator(), **adapter)

    engine = create_async_engine(
        with_driver(url, "asyncpg"),
        creator=creator,
        poolclass=OrmPool,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_checkout_timeout_ms / 1000,
        pool_pre_ping=True,
        pool_recycle=1800,
    )
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def apply_context(session: AsyncSession, context: DbContext) -> None:
    """Set the tenant context of the current transaction."""
    await session.execute(
        SET_CONTEXT,
        {
            "company_id": str(context.company_id) if context.company_id else "",
            "user_id": str(context.user_id) if context.user_id else "",
            "platform_role": context.platform_role,
            "support_company_id": str(context.support_company_id) if context.support_company_id else "",
        },
    )
    for name, value in context.lookups.items():
        await session.execute(SET_LOOKUP, {"name": name, "value": value})


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession], context: DbContext
) -> AsyncIterator[AsyncSession]:
    """One transaction with ``context``: commits when the block succeeds, rolls back otherwise."""
    async with sessions() as session, session.begin():
        await apply_context(session, context)
        yield session


async def set_tenant(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID | None = None) -> None:
    """Switch this transaction's tenant context once the tenant is known (sign-in, invitations, init)."""
    await session.execute(
        text("SELECT set_config('app.company_id', :c, true), set_config('app.user_id', :u, true)"),
        {"c": str(company_id), "u": str(user_id) if user_id else ""},
    )
