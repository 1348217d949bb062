"""Scheduled operations: the daily backup (verified), retention, the weekly restore drill, and the
upload of archived WAL to a bucket. ``AIPAIR_BACKUP__SCHEDULE=false`` leaves backups to something
else (a CronJob running ``aipair backup create``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aipair.config import Settings
from aipair.db.urls import DatabaseUrls
from aipair.ops.backups.service import BackupOperations
from aipair.ops.backups.shipping import ship_wal
from aipair.worker.context import JobContext
from aipair.worker.jobs import JobGroup


@dataclass(frozen=True)
class OpsJobServices:
    """What the operations jobs use: the settings and the database's URLs (backups run as its owner)."""

    settings: Settings
    urls: DatabaseUrls


jobs = JobGroup("ops", OpsJobServices)
DAY_S = 24 * 3600
SHIP_WAL_EVERY_S = 60
Context = JobContext[OpsJobServices]


def _operations(ctx: Context) -> BackupOperations | None:
    settings = ctx.services.settings
    return BackupOperations(settings, ctx.services.urls) if settings.backup.schedule else None


@jobs.job("create_backup", timeout_s=6 * 3600, retry_base_s=300)
async def create_backup(ctx: Context) -> None:
    """Take the daily backup (physical on the embedded server, logical elsewhere) and verify it."""
    operations = _operations(ctx)
    if operations is None:
        await ctx.log("scheduled backups are off (AIPAIR_BACKUP__SCHEDULE=false)")
        return
    manifest = await asyncio.to_thread(operations.create)
    [result] = await asyncio.to_thread(operations.verify, manifest.label)
    await ctx.log(
        f"{manifest.label}: {manifest.size} bytes, verified {'ok' if result.ok else result.problems}"
    )
    if not result.ok:
        raise RuntimeError(f"backup {manifest.label} failed verification: {'; '.join(result.problems)}")


@jobs.job("prune_backups", timeout_s=3600)
async def prune_backups(ctx: Context) -> None:
    """Delete backups past the retention (30 days) and the WAL no kept base backup needs."""
    operations = _operations(ctx)
    if operations is not None:
        removed = await asyncio.to_thread(operations.prune)
        await ctx.log(f"removed {len(removed)} backups")


@jobs.job("run_drill", timeout_s=6 * 3600, retry_base_s=600)
async def run_drill(ctx: Context) -> None:
    """The weekly restore test: restore into a scratch server, compare, measure RTO and RPO."""
    operations = _operations(ctx)
    if operations is None:
        return
    report = await asyncio.to_thread(operations.drill)
    for line in report.lines():
        await ctx.log(line)


@jobs.job("ship_wal", timeout_s=600)
async def ship_wal_job(ctx: Context) -> None:
    """Upload archived WAL segments from the spool to the bucket (a bucket repository only)."""
    shipped = await asyncio.to_thread(ship_wal, ctx.services.settings)
    if shipped:
        await ctx.log(f"uploaded {shipped} WAL files")


jobs.every(DAY_S, create_backup)
jobs.every(DAY_S, prune_backups)
jobs.every(7 * DAY_S, run_drill)
jobs.every(SHIP_WAL_EVERY_S, ship_wal_job)
