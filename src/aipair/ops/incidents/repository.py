"""Every SQL statement about incidents and their timelines."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.ops.models import Incident, IncidentEvent


async def add(session: AsyncSession, incident: Incident) -> Incident:
    session.add(incident)
    await session.flush()
    await session.refresh(incident)
    return incident


async def add_event(session: AsyncSession, event: IncidentEvent) -> None:
    session.add(event)
    await session.flush()


async def get(session: AsyncSession, incident_id: uuid.UUID, *, lock: bool = False) -> Incident | None:
    query = select(Incident).where(Incident.id == incident_id)
    return (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()


async def id_of_number(session: AsyncSession, number: int) -> uuid.UUID | None:
    found: uuid.UUID | None = await session.scalar(select(Incident.id).where(Incident.number == number))
    return found


async def events(session: AsyncSession, incident_id: uuid.UUID) -> list[IncidentEvent]:
    query = (
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.created_at)
    )
    return list((await session.execute(query)).scalars())


async def listing(
    session: AsyncSession, *, open_only: bool, overdue_only: bool, limit: int
) -> list[Incident]:
    query = select(Incident).order_by(Incident.opened_at.desc()).limit(limit)
    if open_only or overdue_only:
        query = query.where(Incident.status != "resolved")
    if overdue_only:
        query = query.where(Incident.status == "open", Incident.response_due_at < func.now())
    return list((await session.execute(query)).scalars())


async def open_by_severity(session: AsyncSession) -> dict[str, int]:
    query = (
        select(Incident.severity, func.count())
        .where(Incident.status != "resolved")
        .group_by(Incident.severity)
    )
    return {severity: int(count) for severity, count in (await session.execute(query)).all()}


async def database_now(session: AsyncSession) -> datetime:
    now: datetime = await session.scalar(select(func.now()))  # type: ignore[assignment]
    return now
