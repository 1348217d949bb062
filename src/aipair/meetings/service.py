"""Meetings as people use them: upload, list, read, delete, reprocess, export, review action items.

Every method runs in the caller's transaction (the boundary commits). Visibility: EMPLOYEEs (and
keys without the admin scope) see the meetings they uploaded, plus action items they own; MANAGER and
above see every meeting of the company. A meeting the caller cannot see is "not found", checked
before any role, so another company's ids answer 404 and never 403.

Every change is audited (``meetings.meeting.create|delete|reprocess``, ``meetings.action_item.update``)
in the caller's transaction, one entry per change with before/after; the stored file never enters an
entry. An upload answered with an existing meeting changes nothing and writes no entry.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.audit.service import AuditService
from aipair.audit.snapshots import snapshot
from aipair.auth.principal import Principal
from aipair.config import MeetingSettings
from aipair.kit.clock import utcnow
from aipair.meetings import repository as repo
from aipair.meetings.errors import (
    ActionItemNotFound,
    DuplicateMeeting,
    MeetingFileTooLarge,
    MeetingNotFound,
    MinutesNotReady,
    NoTranscriptionProvider,
    OwnerNotMember,
    StorageLimitExceeded,
)
from aipair.meetings.models import (
    ActionStatus,
    Meeting,
    MeetingActionItem,
    MeetingMinutes,
    MeetingSegment,
    MeetingStatus,
)
from aipair.meetings.schemas import ActionItemUpdate, MeetingFilter, MeetingUpload, UploadedFile
from aipair.meetings.tasks import process_meeting
from aipair.meetings.transcription import SphinxTranscriber
from aipair.meetings.uploads import SourceFile, inspect_upload
from aipair.tenancy.members import MemberService
from aipair.tenancy.models import Role
from aipair.tenancy.service import TenancyService
from aipair.worker.jobs import QueueOptions
from aipair.worker.models import Job
from aipair.worker.service import JobsService

MEGABYTE = 1_048_576
_MAX_MEMBERS = 10_000
# What an audit entry shows of a meeting: every column but the stored file.
MEETING_AUDITED = frozenset(Meeting.__mapper__.columns.keys()) - {"content"}


@dataclass(frozen=True)
class MeetingView:
    """A meeting with its job, minutes and action items (and the segments those cite)."""

    meeting: Meeting
    job: Job | None
    minutes: MeetingMinutes | None
    items: list[MeetingActionItem]
    sources: dict[tuple[uuid.UUID, int], MeetingSegment]


class MeetingService:
    """The rules of meetings and action items for people and keys."""

    def __init__(
        self,
        settings: MeetingSettings,
        max_upload_bytes: int,
        tenancy: TenancyService,
        members: MemberService,
        jobs: JobsService,
        *,
        audit: AuditService,
    ) -> None:
        self._jobs = jobs
        self._audit = audit
        self._settings = settings
        self._max_upload = max_upload_bytes
        self._tenancy = tenancy
        self._members = members

    async def upload(
        self, session: AsyncSession, principal: Principal, form: MeetingUpload, file: UploadedFile
    ) -> tuple[Meeting, Job | None, bool]:
        """Store an uploaded meeting and enqueue its processing in the same transaction.

        Returns (meeting, job, duplicate). The same content already uploaded to the company (one copy
        per company) returns that meeting unchanged when the caller may see it, and raises
        :class:`DuplicateMeeting` (409, no id) when it is a colleague's the caller may not see; either
        way nothing changes and nothing is audited. A new meeting is audited as
        ``meetings.meeting.create``. Raises 413 (file or storage), 415, 422 before anything is written.
        """
        principal.require(Role.EMPLOYEE, scope="meetings")
        if len(file.data) > self._max_upload:
            raise MeetingFileTooLarge(limit_bytes=self._max_upload)
        source = inspect_upload(file.filename, file.content_type, file.data)
        if source.kind == "audio":
            self._check_transcription(source, form.language)
        digest = hashlib.sha256(file.data).hexdigest()
        await repo.lock_company_uploads(session, principal.company_id)
        existing = await repo.by_content(session, principal.company_id, digest)
        if existing is not None:
            if not _may_see(principal, existing, None):
                raise DuplicateMeeting()
            return existing, await self._jobs.find(session, existing.job_id), True
        await self._check_storage(session, principal, len(file.data))
        meeting = self._new_meeting(principal, form, file, source, digest)
        await repo.add(session, meeting)
        job = await self._enqueue(session, meeting)
        await self._audit.record(
            session, principal, "meetings.meeting.create", "meeting", meeting.id, after=_picture(meeting)
        )
        return meeting, job, False

    def _check_transcription(self, source: SourceFile, language: str | None) -> None:
        if self._settings.transcription_model:
            return
        if self._settings.offline_transcription and SphinxTranscriber().supports(source.format, language):
            return
        raise NoTranscriptionProvider(
            "No transcription provider is configured for this audio: the offline recogniser reads English"
            " WAV files only; set AIPAIR_MEETINGS__TRANSCRIPTION_MODEL to a gateway transcription model"
            " for MP3, M4A, WebM or other languages, or upload a transcript",
            format=source.format,
        )

    async def _check_storage(self, session: AsyncSession, principal: Principal, size: int) -> None:
        limits = await self._tenancy.effective_limits(session, principal.company_id)
        limit_mb = limits.get("storage_mb")
        if limit_mb is None:
            return
        used = await repo.storage_used_bytes(session, principal.company_id)
        if used + size > int(limit_mb) * MEGABYTE:
            raise StorageLimitExceeded(
                f"This upload would exceed your plan's storage limit of {limit_mb} MB",
                limit_mb=int(limit_mb),
                used_mb=round(used / MEGABYTE, 3),
                size_bytes=size,
            )

    @staticmethod
    def _new_meeting(
        principal: Principal, form: MeetingUpload, file: UploadedFile, source: SourceFile, digest: str
    ) -> Meeting:
        return Meeting(
            id=uuid.uuid4(),
            company_id=principal.company_id,
            created_by=principal.user_id,
            api_key_id=principal.api_key_id,
            title=form.title or None,
            meeting_date=form.meeting_date or utcnow().date(),
            language=form.language,
            attendees=form.attendees,
            engine=form.engine,
            source_kind=source.kind,
            source_format=source.format,
            source_filename=file.filename[:255],
            media_type=source.media_type,
            content_sha256=digest,
            size_bytes=len(file.data),
            content=file.data,
            status=MeetingStatus.QUEUED,
            progress=0,
            segment_count=source.segment_count,
        )

    async def _enqueue(self, session: AsyncSession, meeting: Meeting) -> Job:
        one_at_a_time = f"meeting:{meeting.id}"
        options = QueueOptions(self._settings.max_attempts, lock=one_at_a_time, queueing_lock=one_at_a_time)
        job = await process_meeting.configure(options).defer(
            session, company_id=str(meeting.company_id), meeting_id=str(meeting.id)
        )
        meeting.job_id = job.id
        await session.flush()
        return job

    async def list_meetings(
        self, session: AsyncSession, principal: Principal, filters: MeetingFilter, limit: int, offset: int
    ) -> list[Meeting]:
        """Meetings the caller may see, newest first, filtered."""
        principal.require(Role.EMPLOYEE, scope="meetings")
        where = _visibility(principal, filters)
        return await repo.list_meetings(session, principal.company_id, where, limit, offset)

    async def get(self, session: AsyncSession, principal: Principal, meeting_id: uuid.UUID) -> MeetingView:
        """A visible meeting with its job, minutes and action items."""
        meeting = await self._visible(session, principal, meeting_id)
        minutes = await repo.get_minutes(session, principal.company_id, meeting.id)
        items = await repo.action_items_of(session, principal.company_id, meeting.id)
        sources = await repo.segments_for_items(session, principal.company_id, items)
        job = await self._jobs.find(session, meeting.job_id)
        return MeetingView(meeting, job, minutes, items, sources)

    async def transcript_lines(
        self, session: AsyncSession, principal: Principal, meeting_id: uuid.UUID, indices: list[int]
    ) -> dict[int, MeetingSegment]:
        """Segments of a visible meeting by index (the lines minutes cite)."""
        meeting = await self._visible(session, principal, meeting_id)
        return await repo.segments_at(session, principal.company_id, meeting.id, indices)

    async def export(self, session: AsyncSession, principal: Principal, meeting_id: uuid.UUID) -> MeetingView:
        """The meeting for export; raises :class:`MinutesNotReady` until its minutes exist."""
        view = await self.get(session, principal, meeting_id)
        if view.minutes is None:
            raise MinutesNotReady(status=view.meeting.status)
        return view

    async def delete(self, session: AsyncSession, principal: Principal, meeting_id: uuid.UUID) -> None:
        """Delete a meeting with everything derived from it (ADMIN or OWNER); frees its storage.

        A pending job is cancelled. Audited as ``meetings.meeting.delete`` (before: the meeting).
        """
        meeting = await self._visible(session, principal, meeting_id)
        principal.require(Role.ADMIN, scope="meetings")
        before = _picture(meeting)
        cancelled = False
        if meeting.job_id is not None:
            cancelled = await self._jobs.cancel_if_pending(session, meeting.job_id)
        await repo.delete_meeting(session, principal.company_id, meeting.id)
        after = {"deleted": True, "job_cancelled": cancelled, "freed_bytes": meeting.size_bytes}
        await self._audit.record(
            session, principal, "meetings.meeting.delete", "meeting", meeting.id, before=before, after=after
        )

    async def reprocess(
        self, session: AsyncSession, principal: Principal, meeting_id: uuid.UUID, engine: str | None
    ) -> tuple[Meeting, Job]:
        """Process the meeting again (optionally with another engine); results are replaced when done.

        Audited as ``meetings.meeting.reprocess`` (before/after: the meeting, with its engine and job).
        """
        meeting = await self._visible(session, principal, meeting_id)
        before = _picture(meeting)
        if engine is not None:
            meeting.engine = engine
        meeting.status, meeting.progress, meeting.stage, meeting.error = MeetingStatus.QUEUED, 0, None, None
        job = await self._enqueue(session, meeting)
        await self._audit.record(
            session,
            principal,
            "meetings.meeting.reprocess",
            "meeting",
            meeting.id,
            before=before,
            after=_picture(meeting),
        )
        return meeting, job

    async def update_action_item(
        self, session: AsyncSession, principal: Principal, item_id: uuid.UUID, change: ActionItemUpdate
    ) -> tuple[MeetingActionItem, dict[tuple[uuid.UUID, int], MeetingSegment]]:
        """Confirm, reject or edit an action item (any member who can see it, or its owner).

        Audited as ``meetings.action_item.update`` (before/after: the item).
        """
        principal.require(Role.EMPLOYEE, scope="meetings")
        found = await repo.get_action_item(session, principal.company_id, item_id)
        if found is None or not _may_see(principal, found[1], found[0]):
            raise ActionItemNotFound()
        item = found[0]
        before = snapshot(item)
        edits = change.edits()
        if "owner_user_id" in edits and edits["owner_user_id"] is not None:
            await self._check_member(session, principal, edits["owner_user_id"])
        for field, value in edits.items():
            setattr(item, field, value)
        if "owner_user_id" in edits:
            item.owner_name = await self._member_name(session, principal, edits["owner_user_id"])
        item.status = change.status or (ActionStatus.EDITED if edits else item.status)
        item.updated_by = principal.user_id
        item.updated_at = utcnow()
        await session.flush()
        await self._audit.record(
            session,
            principal,
            "meetings.action_item.update",
            "action_item",
            item.id,
            before=before,
            after=snapshot(item),
        )
        return item, await repo.segments_for_items(session, principal.company_id, [item])

    async def list_action_items(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        owner: uuid.UUID | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[MeetingActionItem], dict[tuple[uuid.UUID, int], MeetingSegment]]:
        """Action items the caller may see (``owner`` narrows to one member), soonest due first."""
        principal.require(Role.EMPLOYEE, scope="meetings")
        where = _visibility(principal, MeetingFilter())
        items = await repo.list_action_items(
            session,
            principal.company_id,
            owner_user_id=owner,
            visible_to=where,
            status=status,
            limit=limit,
            offset=offset,
        )
        return items, await repo.segments_for_items(session, principal.company_id, items)

    async def _visible(self, session: AsyncSession, principal: Principal, meeting_id: uuid.UUID) -> Meeting:
        meeting = await repo.get(session, principal.company_id, meeting_id)
        if meeting is None or not _may_see(principal, meeting, None):
            raise MeetingNotFound()
        principal.require(Role.EMPLOYEE, scope="meetings")
        return meeting

    async def _check_member(self, session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> None:
        if await self._member_name(session, principal, user_id) is None:
            raise OwnerNotMember(owner_user_id=str(user_id))

    async def _member_name(
        self, session: AsyncSession, principal: Principal, user_id: uuid.UUID | None
    ) -> str | None:
        if user_id is None:
            return None
        for membership, user in await self._members.list(session, principal, _MAX_MEMBERS, 0):
            if user.id == user_id and membership.status == "ACTIVE":
                return user.name or user.email
        return None


def _picture(meeting: Meeting) -> dict[str, Any]:
    """The meeting as an audit entry shows it (never the stored file)."""
    return snapshot(meeting, MEETING_AUDITED) or {}


def _sees_everything(principal: Principal) -> bool:
    return principal.at_least(Role.MANAGER) and (principal.kind == "user" or "admin" in principal.scopes)


def _visibility(principal: Principal, filters: MeetingFilter) -> MeetingFilter:
    if _sees_everything(principal):
        return filters
    if principal.kind == "key":
        return replace(filters, created_by=None, api_key_id=principal.api_key_id)
    return replace(filters, created_by=principal.user_id, api_key_id=None)


def _may_see(principal: Principal, meeting: Meeting, item: MeetingActionItem | None) -> bool:
    if _sees_everything(principal):
        return True
    if principal.kind == "key":
        return meeting.api_key_id is not None and meeting.api_key_id == principal.api_key_id
    owns = item is not None and item.owner_user_id is not None and item.owner_user_id == principal.user_id
    return owns or (meeting.created_by is not None and meeting.created_by == principal.user_id)
