"""Every SQL statement about backup and drill records.

Backups and drills run from the command line and the worker as the database owner (psycopg); the
API and the metrics read the records as the application role, inside a platform-staff context.
"""

from __future__ import annotations

import json
from datetime import datetime

import psycopg
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aipair.kit.ids import new_id
from aipair.ops.backups.drill import DrillReport
from aipair.ops.backups.manifest import BackupManifest, Verification
from aipair.ops.models import BackupRecord, DrillRecord


def save_backup(conn: psycopg.Connection, manifest: BackupManifest, repository: str) -> None:
    conn.execute(
        "INSERT INTO ops_backups (id, label, kind, repository, started_at, finished_at, size_bytes)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (label) DO NOTHING",
        [
            new_id(),
            manifest.label,
            manifest.kind,
            repository,
            manifest.started_at,
            manifest.finished_at,
            manifest.size,
        ],
    )


def save_verification(conn: psycopg.Connection, label: str, outcome: Verification) -> None:
    conn.execute(
        "UPDATE ops_backups SET verified_at = %s, verified_ok = %s, problems = %s::jsonb, updated_at = now()"
        " WHERE label = %s",
        [outcome.verified_at, outcome.ok, json.dumps(outcome.problems), label],
    )


def save_pruned(conn: psycopg.Connection, labels: list[str], at: datetime) -> None:
    conn.execute("UPDATE ops_backups SET pruned_at = %s WHERE label = ANY(%s)", [at, labels])


def save_drill(conn: psycopg.Connection, report: DrillReport, finished_at: datetime) -> None:
    conn.execute(
        "INSERT INTO ops_drills (id, backup_label, target, started_at, finished_at, passed, rto_seconds,"
        " rpo_seconds, tables_compared, mismatches, error) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " %s::jsonb, %s)",
        [
            new_id(),
            report.backup,
            report.target,
            report.started_at,
            finished_at,
            report.passed,
            report.rto_s if report.error is None else None,
            report.rpo_s,
            report.tables_compared,
            json.dumps(report.mismatches),
            report.error,
        ],
    )


async def recent_backups(session: AsyncSession, limit: int) -> list[BackupRecord]:
    query = select(BackupRecord).order_by(BackupRecord.finished_at.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def recent_drills(session: AsyncSession, limit: int) -> list[DrillRecord]:
    query = select(DrillRecord).order_by(DrillRecord.finished_at.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def last_backup_at(session: AsyncSession) -> datetime | None:
    """When the newest backup finished (failed backups are never recorded)."""
    found: datetime | None = await session.scalar(select(func.max(BackupRecord.finished_at)))
    return found
