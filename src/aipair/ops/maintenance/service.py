"""The rules of maintenance windows: notice, length, overlap, emergencies; every change audited."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.audit.service import AuditService
from aipair.auth.principal import Principal
from aipair.config import MaintenanceSettings
from aipair.db.engine import DbContext, transaction
from aipair.ops.maintenance import repository as repo
from aipair.ops.maintenance.errors import (
    NoticeTooShort,
    NotInWindow,
    WindowNotFound,
    WindowOverlaps,
    WindowTooLong,
)
from aipair.ops.maintenance.schemas import MaintenanceStatus, WindowRead
from aipair.ops.models import MaintenanceWindow
from aipair.tenancy.models import Role


def next_regular_window(now: datetime, settings: MaintenanceSettings) -> datetime:
    """The first regular window start (default Sunday 02:00 UTC) at least the notice period away."""
    earliest = now + timedelta(hours=settings.notice_hours)
    start = earliest.replace(hour=settings.default_start_hour_utc, minute=0, second=0, microsecond=0)
    start += timedelta(days=(settings.default_weekday - start.weekday()) % 7)
    return start if start >= earliest else start + timedelta(days=7)


class MaintenanceService:
    """Announce, start, end and cancel maintenance windows (SUPER_ADMIN); anyone may read them."""

    def __init__(self, audit: AuditService, settings: MaintenanceSettings) -> None:
        self._audit = audit
        self._settings = settings

    async def status(self, session: AsyncSession) -> MaintenanceStatus:
        """The platform's maintenance state and the announced windows (public)."""
        now = await repo.database_now(session)
        windows = [WindowRead.of(w, now) for w in await repo.upcoming(session)]
        current = next((w for w in windows if w.in_progress), None)
        return MaintenanceStatus(
            in_maintenance=current is not None, until=current.ends_at if current else None, windows=windows
        )

    async def public_status(self, sessions: async_sessionmaker[AsyncSession]) -> MaintenanceStatus:
        """:meth:`status` in a transaction of its own, for callers without a principal."""
        async with transaction(sessions, DbContext()) as session:
            return await self.status(session)

    async def schedule(
        self,
        session: AsyncSession,
        principal: Principal,
        reason: str,
        starts_at: datetime | None = None,
        duration_minutes: int | None = None,
        emergency: bool = False,
    ) -> WindowRead:
        """Announce a window. Refused with less than the notice period (48 h) unless ``emergency``,
        longer than the longest window (2 h), or overlapping another; audited either way."""
        principal.require(Role.SUPER_ADMIN)
        now = await repo.database_now(session)
        starts = starts_at or next_regular_window(now, self._settings)
        minutes = duration_minutes or self._settings.default_duration_minutes
        if minutes > self._settings.max_duration_minutes:
            raise WindowTooLong(f"A window lasts at most {self._settings.max_duration_minutes} minutes")
        if starts < now + timedelta(hours=self._settings.notice_hours) and not emergency:
            raise NoticeTooShort(
                f"Windows are announced {self._settings.notice_hours} hours ahead; this one starts sooner"
                " (an emergency window may, and is audited as one)"
            )
        begins = max(starts, now)
        return await self._open(
            session, principal, begins, begins + timedelta(minutes=minutes), reason, emergency, now
        )

    async def turn_on(
        self,
        session: AsyncSession,
        principal: Principal,
        reason: str | None = None,
        duration_minutes: int | None = None,
        emergency: bool = False,
        until: datetime | None = None,
    ) -> WindowRead:
        """Maintenance now: the announced window in progress, or an emergency window from now for
        ``duration_minutes`` (default 60) or until ``until``, never past the longest window."""
        principal.require(Role.SUPER_ADMIN)
        now = await repo.database_now(session)
        current = await repo.in_progress(session)
        if current is not None:
            return WindowRead.of(current, now)
        if not emergency or not reason:
            raise NotInWindow()
        longest = timedelta(minutes=self._settings.max_duration_minutes)
        ends = until or now + timedelta(minutes=duration_minutes or 60)
        if ends <= now or ends - now > longest:
            raise WindowTooLong(f"A window ends in the future and lasts at most {longest}")
        return await self._open(session, principal, now, ends, reason, True, now)

    async def turn_off(self, session: AsyncSession, principal: Principal) -> WindowRead:
        """End the window in progress now (traffic resumes on every replica within a second)."""
        principal.require(Role.SUPER_ADMIN)
        current = await repo.in_progress(session)
        if current is None:
            raise WindowNotFound("No maintenance window is in progress")
        before = WindowRead.of(current, await repo.database_now(session))
        ended = await repo.end_now(session, current)
        after = WindowRead.of(ended, await repo.database_now(session))
        await self._record(session, principal, "end", ended.id, before, after)
        return after

    async def cancel(self, session: AsyncSession, principal: Principal, window_id: uuid.UUID) -> WindowRead:
        """Withdraw an announced window that has not started."""
        if not principal.in_platform_context:
            raise WindowNotFound()  # customers address no window by id
        principal.require(Role.SUPER_ADMIN)
        window = await repo.get_open(session, window_id)
        now = await repo.database_now(session)
        if window is None or window.starts_at <= now:
            raise WindowNotFound()
        before = WindowRead.of(window, now)
        cancelled = await repo.cancel(session, window)
        await self._record(session, principal, "cancel", window_id, before, WindowRead.of(cancelled, now))
        return before

    async def _open(
        self,
        session: AsyncSession,
        principal: Principal,
        starts: datetime,
        ends: datetime,
        reason: str,
        emergency: bool,
        now: datetime,
    ) -> WindowRead:
        if await repo.overlapping(session, starts, ends) is not None:
            raise WindowOverlaps()
        window = MaintenanceWindow(
            starts_at=starts, ends_at=ends, reason=reason, emergency=emergency, created_by=principal.user_id
        )
        created = WindowRead.of(await repo.add(session, window), now)
        await self._record(
            session, principal, "emergency" if emergency else "schedule", window.id, None, created
        )
        return created

    async def _record(
        self,
        session: AsyncSession,
        principal: Principal,
        verb: str,
        window_id: uuid.UUID,
        before: WindowRead | None,
        after: WindowRead,
    ) -> None:
        await self._audit.record(
            session,
            principal,
            f"ops.maintenance.{verb}",
            "maintenance_window",
            window_id,
            before=before.model_dump(mode="json") if before else None,
            after=after.model_dump(mode="json"),
        )
