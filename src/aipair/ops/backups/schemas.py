"""Backups and drills as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from aipair.ops.models import BackupRecord, DrillRecord


class BackupRead(BaseModel):
    label: str
    kind: str
    repository: str
    finished_at: datetime
    size_bytes: int
    verified_at: datetime | None
    verified_ok: bool | None
    problems: list[str]
    pruned: bool

    @classmethod
    def of(cls, row: BackupRecord) -> BackupRead:
        return cls(
            label=row.label,
            kind=row.kind,
            repository=row.repository,
            finished_at=row.finished_at,
            size_bytes=row.size_bytes,
            verified_at=row.verified_at,
            verified_ok=row.verified_ok,
            problems=list(row.problems or []),
            pruned=row.pruned_at is not None,
        )


class DrillRead(BaseModel):
    backup_label: str
    target: str
    finished_at: datetime
    passed: bool
    rto_seconds: float | None
    rpo_seconds: float | None
    tables_compared: int
    mismatches: list[str]
    error: str | None

    @classmethod
    def of(cls, row: DrillRecord) -> DrillRead:
        return cls(
            backup_label=row.backup_label,
            target=row.target,
            finished_at=row.finished_at,
            passed=row.passed,
            rto_seconds=row.rto_seconds,
            rpo_seconds=row.rpo_seconds,
            tables_compared=row.tables_compared,
            mismatches=list(row.mismatches or []),
            error=row.error,
        )


class BackupsOverview(BaseModel):
    """Recent backups and drills, with the runbook's objectives they are measured against."""

    runbook_rto_seconds: int
    runbook_rpo_seconds: int
    backups: list[BackupRead]
    drills: list[DrillRead]
