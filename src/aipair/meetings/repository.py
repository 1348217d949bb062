"""Every SQL statement of the meeting processor. Flushes, never commits; every query is per company."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from aipair.auth.principal import CompanyId
from aipair.meetings.models import Meeting, MeetingActionItem, MeetingMinutes, MeetingSegment
from aipair.meetings.parsing.segments import Segment
from aipair.meetings.schemas import MeetingFilter


async def lock_company_uploads(session: AsyncSession, company_id: CompanyId) -> None:
    """Serialise uploads of one company until the transaction ends (storage check, same-content check)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('meetings:' || :c))"), {"c": str(company_id)}
    )


async def storage_used_bytes(session: AsyncSession, company_id: CompanyId) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(Meeting.size_bytes), 0)).where(Meeting.company_id == company_id)
    )
    return int(total or 0)


async def by_content(session: AsyncSession, company_id: CompanyId, sha256: str) -> Meeting | None:
    result = await session.execute(
        select(Meeting).where(Meeting.company_id == company_id, Meeting.content_sha256 == sha256)
    )
    return result.scalar_one_or_none()


async def add(session: AsyncSession, *rows: object) -> None:
    session.add_all(rows)
    await session.flush()


async def get(
    session: AsyncSession, company_id: CompanyId, meeting_id: uuid.UUID, *, with_content: bool = False
) -> Meeting | None:
    query = select(Meeting).where(Meeting.company_id == company_id, Meeting.id == meeting_id)
    if with_content:
        query = query.options(undefer(Meeting.content))
    result = await session.execute(query.execution_options(populate_existing=True))
    return result.scalar_one_or_none()


async def list_meetings(
    session: AsyncSession, company_id: CompanyId, where: MeetingFilter, limit: int, offset: int
) -> list[Meeting]:
    """Newest first."""
    query = select(Meeting).where(Meeting.company_id == company_id)
    if where.created_by is not None:
        query = query.where(Meeting.created_by == where.created_by)
    if where.api_key_id is not None:
        query = query.where(Meeting.api_key_id == where.api_key_id)
    if where.status is not None:
        query = query.where(Meeting.status == where.status)
    if where.date_from is not None:
        query = query.where(Meeting.meeting_date >= where.date_from)
    if where.date_to is not None:
        query = query.where(Meeting.meeting_date <= where.date_to)
    if where.query:
        pattern = f"%{_escape_like(where.query)}%"
        query = query.where(or_(Meeting.title.ilike(pattern), Meeting.source_filename.ilike(pattern)))
    query = query.order_by(Meeting.created_at.desc(), Meeting.id.desc()).limit(limit).offset(offset)
    return list((await session.execute(query)).scalars())


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def delete_meeting(session: AsyncSession, company_id: CompanyId, meeting_id: uuid.UUID) -> None:
    await session.execute(delete(Meeting).where(Meeting.company_id == company_id, Meeting.id == meeting_id))


async def set_state(
    session: AsyncSession, company_id: CompanyId, meeting_id: uuid.UUID, **values: Any
) -> None:
    """Update processing columns (status, progress, stage, error, counts…) of one meeting."""
    await session.execute(
        update(Meeting)
        .where(Meeting.company_id == company_id, Meeting.id == meeting_id)
        .values(updated_at=func.now(), **values)
    )


async def replace_results(
    session: AsyncSession,
    company_id: CompanyId,
    meeting_id: uuid.UUID,
    segments: Sequence[Segment],
    minutes: MeetingMinutes,
    items: Sequence[MeetingActionItem],
) -> None:
    """Swap in a new set of segments, minutes and action items (the old ones are deleted first)."""
    for table in (MeetingActionItem, MeetingSegment, MeetingMinutes):
        await session.execute(
            delete(table).where(table.company_id == company_id, table.meeting_id == meeting_id)
        )
    if segments:
        rows = [
            {"company_id": company_id, "meeting_id": meeting_id, "idx": s.index, "speaker": s.speaker,
             "start_s": s.start, "end_s": s.end, "text": s.text}
            for s in segments
        ]  # fmt: skip
        await session.execute(insert(MeetingSegment), rows)
    session.add(minutes)
    session.add_all(items)
    await session.flush()


async def get_minutes(
    session: AsyncSession, company_id: CompanyId, meeting_id: uuid.UUID
) -> MeetingMinutes | None:
    result = await session.execute(
        select(MeetingMinutes).where(
            MeetingMinutes.company_id == company_id, MeetingMinutes.meeting_id == meeting_id
        )
    )
    return result.scalar_one_or_none()


async def action_items_of(
    session: AsyncSession, company_id: CompanyId, meeting_id: uuid.UUID
) -> list[MeetingActionItem]:
    result = await session.execute(
        select(MeetingActionItem)
        .where(MeetingActionItem.company_id == company_id, MeetingActionItem.meeting_id == meeting_id)
        .order_by(MeetingActionItem.position)
    )
    return list(result.scalars())


async def get_action_item(
    session: AsyncSession, company_id: CompanyId, item_id: uuid.UUID
) -> tuple[MeetingActionItem, Meeting] | None:
    result = await session.execute(
        select(MeetingActionItem, Meeting)
        .join(Meeting, Meeting.id == MeetingActionItem.meeting_id)
        .where(MeetingActionItem.company_id == company_id, MeetingActionItem.id == item_id)
        .execution_options(populate_existing=True)
    )
    row = result.tuples().one_or_none()
    return (row[0], row[1]) if row else None


async def list_action_items(
    session: AsyncSession,
    company_id: CompanyId,
    *,
    owner_user_id: uuid.UUID | None,
    visible_to: MeetingFilter,
    status: str | None,
    limit: int,
    offset: int,
) -> list[MeetingActionItem]:
    """Action items by due date (undated last), in meetings the caller may see or owned by the caller."""
    query = (
        select(MeetingActionItem)
        .join(Meeting, Meeting.id == MeetingActionItem.meeting_id)
        .where(MeetingActionItem.company_id == company_id)
    )
    if owner_user_id is not None:
        query = query.where(MeetingActionItem.owner_user_id == owner_user_id)
    if visible_to.created_by is not None:
        mine = Meeting.created_by == visible_to.created_by
        query = query.where(or_(mine, MeetingActionItem.owner_user_id == visible_to.created_by))
    elif visible_to.api_key_id is not None:
        query = query.where(Meeting.api_key_id == visible_to.api_key_id)
    if status is not None:
        query = query.where(MeetingActionItem.status == status)
    query = query.order_by(
        MeetingActionItem.due_date.asc().nulls_last(),
        MeetingActionItem.created_at,
        MeetingActionItem.position,
    )
    return list((await session.execute(query.limit(limit).offset(offset))).scalars())


async def segments_at(
    session: AsyncSession, company_id: CompanyId, meeting_id: uuid.UUID, indices: Sequence[int]
) -> dict[int, MeetingSegment]:
    if not indices:
        return {}
    result = await session.execute(
        select(MeetingSegment).where(
            MeetingSegment.company_id == company_id,
            MeetingSegment.meeting_id == meeting_id,
            MeetingSegment.idx.in_(sorted(set(indices))),
        )
    )
    return {s.idx: s for s in result.scalars()}


async def segments_for_items(
    session: AsyncSession, company_id: CompanyId, items: Sequence[MeetingActionItem]
) -> dict[tuple[uuid.UUID, int], MeetingSegment]:
    """The segments every item cites, keyed by (meeting id, index)."""
    wanted: dict[uuid.UUID, set[int]] = {}
    for item in items:
        wanted.setdefault(item.meeting_id, set()).update(item.segment_refs)
    found: dict[tuple[uuid.UUID, int], MeetingSegment] = {}
    for meeting_id, indices in wanted.items():
        for index, segment in (await segments_at(session, company_id, meeting_id, sorted(indices))).items():
            found[(meeting_id, index)] = segment
    return found
