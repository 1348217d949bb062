"""The operations gauges, refreshed from the database by every serving process: the age of the
newest backup and drill (the backup-age alert reads them), maintenance, open incidents by severity."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.db.engine import DbContext, transaction
from aipair.observability import metrics
from aipair.ops.backups import repository as backups
from aipair.ops.incidents.service import IncidentService
from aipair.ops.maintenance.state import MaintenanceState
from aipair.tenancy.models import Role

log = structlog.get_logger("aipair.ops")
REFRESH_S = 15.0


async def refresh_gauges(
    sessions: async_sessionmaker[AsyncSession], incidents: IncidentService, maintenance: MaintenanceState
) -> None:
    """Read the newest backup, drill and open incidents once and set the gauges."""
    metrics.MAINTENANCE_ACTIVE.set(1 if maintenance.active else 0)
    async with transaction(sessions, DbContext(platform_role=Role.SUPER_ADMIN)) as session:
        newest = await backups.last_backup_at(session)
        drills = await backups.recent_drills(session, 1)
        open_incidents = await incidents.open_by_severity(session)
    metrics.BACKUP_LAST_SUCCESS.set(newest.timestamp() if newest else 0)
    if drills:
        drill = drills[0]
        metrics.BACKUP_LAST_DRILL.set(drill.finished_at.timestamp())
        metrics.BACKUP_LAST_DRILL_SUCCESS.set(1 if drill.passed else 0)
        metrics.BACKUP_LAST_DRILL_RTO.set(drill.rto_seconds or 0)
        metrics.BACKUP_LAST_DRILL_RPO.set(drill.rpo_seconds or 0)
    for severity, count in open_incidents.items():
        metrics.INCIDENTS_OPEN.labels(severity).set(count)


class GaugeRefresher:
    """Refreshes the operations gauges every ``REFRESH_S`` seconds in the background."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        incidents: IncidentService,
        maintenance: MaintenanceState,
        every_s: float = REFRESH_S,
    ) -> None:
        self._sessions = sessions
        self._incidents = incidents
        self._maintenance = maintenance
        self._every_s = every_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ops-gauges")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await refresh_gauges(self._sessions, self._incidents, self._maintenance)
            except (SQLAlchemyError, OSError) as exc:  # the database may be away: the next round retries
                log.warning("ops_gauges_unavailable", error=type(exc).__name__)
            await asyncio.sleep(self._every_s)
