"""The database of one process: its connector, its watch, the ORM engine and the gateway's pool."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from aipair.config import Settings
from aipair.db.connector import ConnectLimits, Connector, PortLookup
from aipair.db.engine import connect_options, create_engine
from aipair.db.pools import BoundedPool, OrmPool
from aipair.db.raw import TransactionScopedConnection
from aipair.db.urls import DatabaseUrls, embedded_server
from aipair.db.watch import DatabaseWatch
from aipair.observability.db_metrics import time_gateway_queries, time_orm_queries


@dataclass
class Database:
    """Everything that talks to PostgreSQL as the application role, opened and closed together."""

    connector: Connector
    watch: DatabaseWatch
    engine: AsyncEngine
    pool: BoundedPool

    async def close(self) -> None:
        await self.watch.stop()
        await self.pool.close()
        await self.engine.dispose()


def connector_for(settings: Settings, urls: DatabaseUrls) -> Connector:
    """Connections of the application role, bounded by the settings; on the embedded server, to
    whichever port it listens on now."""
    limits = ConnectLimits(
        connect_s=settings.db_connect_timeout_ms / 1000, statement_s=settings.db_statement_timeout_ms / 1000
    )
    port: PortLookup | None = embedded_server(settings).running_port if settings.embedded else None
    return Connector(urls.app, limits, lambda name: connect_options(settings, name), port=port)


async def open_database(settings: Settings, urls: DatabaseUrls) -> Database:
    """Build the pools and start watching the database (the pools connect lazily)."""
    connector = connector_for(settings, urls)
    observe = settings.metrics.enabled
    watch = DatabaseWatch(
        connector,
        interval_s=settings.db_probe_interval_ms / 1000,
        timeout_s=settings.db_probe_timeout_ms / 1000,
    )
    engine = create_engine(settings, urls.app, connector)
    if observe:
        time_orm_queries(engine)
    if isinstance(engine.sync_engine.pool, OrmPool):
        engine.sync_engine.pool.checkouts.observe = observe
    pool = BoundedPool(
        min_size=0,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        record_class=asyncpg.Record,
        max_size=settings.gateway.pool_size,
        connect=connector.pool_connect("aipair-gateway", time_gateway_queries if observe else None),
        connection_class=TransactionScopedConnection,
        checkout_timeout=settings.db_checkout_timeout_ms / 1000,
        observe=observe,
    )
    await pool
    watch.start()
    return Database(connector, watch, engine, pool)
