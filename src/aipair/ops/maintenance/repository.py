"""Every SQL statement about maintenance windows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.ops.models import MaintenanceWindow

_END = func.coalesce(MaintenanceWindow.ended_at, MaintenanceWindow.ends_at)
CURRENT_OR_NEXT = (
    "SELECT extract(epoch FROM starts_at)::float8 AS starts,"
    " extract(epoch FROM coalesce(ended_at, ends_at))::float8 AS ends FROM maintenance_windows"
    " WHERE cancelled_at IS NULL AND coalesce(ended_at, ends_at) > now()"
    " ORDER BY starts_at LIMIT 1"
)
"""The window in progress or the next one, as epoch seconds (read by every process on each change)."""


def _open() -> ColumnElement[bool]:
    return and_(MaintenanceWindow.cancelled_at.is_(None), func.now() < _END)


async def upcoming(session: AsyncSession, limit: int = 20) -> list[MaintenanceWindow]:
    """Windows in progress or to come, soonest first."""
    query = select(MaintenanceWindow).where(_open()).order_by(MaintenanceWindow.starts_at).limit(limit)
    return list((await session.execute(query)).scalars())


async def in_progress(session: AsyncSession) -> MaintenanceWindow | None:
    query = (
        select(MaintenanceWindow)
        .where(_open(), MaintenanceWindow.starts_at <= func.now())
        .order_by(MaintenanceWindow.starts_at)
        .limit(1)
        .with_for_update()
    )
    return (await session.execute(query)).scalar_one_or_none()


async def overlapping(session: AsyncSession, starts: datetime, ends: datetime) -> MaintenanceWindow | None:
    query = select(MaintenanceWindow).where(
        _open(),
        MaintenanceWindow.starts_at < ends,
        starts < _END,
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def get_open(session: AsyncSession, window_id: uuid.UUID) -> MaintenanceWindow | None:
    query = select(MaintenanceWindow).where(MaintenanceWindow.id == window_id, _open()).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def add(session: AsyncSession, window: MaintenanceWindow) -> MaintenanceWindow:
    session.add(window)
    await session.flush()
    await session.refresh(window)
    return window


async def end_now(session: AsyncSession, window: MaintenanceWindow) -> MaintenanceWindow:
    await session.execute(
        update(MaintenanceWindow).where(MaintenanceWindow.id == window.id).values(ended_at=func.now())
    )
    await session.refresh(window)
    return window


async def cancel(session: AsyncSession, window: MaintenanceWindow) -> MaintenanceWindow:
    await session.execute(
        update(MaintenanceWindow).where(MaintenanceWindow.id == window.id).values(cancelled_at=func.now())
    )
    await session.refresh(window)
    return window


async def database_now(session: AsyncSession) -> datetime:
    now: datetime = await session.scalar(select(func.now()))  # type: ignore[assignment]
    return now


async def current_or_next_window(conn: Any) -> Any:
    """The window in progress or the next one announced (``starts``, ``ends``), on a raw connection."""
    return await conn.fetchrow(CURRENT_OR_NEXT)


async def platform_company_id(conn: Any, slug: str) -> uuid.UUID | None:
    """The platform company's id, read as its SUPER_ADMIN (platform staff pass the gate)."""
    async with conn.transaction():
        await conn.execute("SELECT set_config('app.platform_role', 'SUPER_ADMIN', true)")
        found: uuid.UUID | None = await conn.fetchval("SELECT id FROM companies WHERE slug = $1", slug)
        return found
