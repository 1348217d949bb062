"""Query durations: SQLAlchemy's cursor events for the ORM, asyncpg's query loggers for the gateway pool."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from aipair.observability.metrics import DB_QUERY_DURATION

_STARTED = "_aipair_query_started"


def time_orm_queries(engine: AsyncEngine) -> None:
    """Observe every statement of ``engine`` in ``aipair_db_query_duration_seconds{pool="orm"}``."""
    histogram = DB_QUERY_DURATION.labels(pool="orm")

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        conn.info[_STARTED] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        started = conn.info.pop(_STARTED, None)
        if started is not None:
            histogram.observe(time.perf_counter() - started)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)


def time_gateway_queries(conn: Any) -> None:
    """Observe every query of the asyncpg connection ``conn`` (a gateway pool connection)."""
    histogram = DB_QUERY_DURATION.labels(pool="gateway")

    def observe(record: Any) -> None:
        histogram.observe(record.elapsed)

    conn.add_query_logger(observe)
