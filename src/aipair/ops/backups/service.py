"""What ``aipair backup …`` and the scheduled backup jobs do, on one repository and one database."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import structlog

from aipair.config import Settings
from aipair.db.urls import DatabaseUrls
from aipair.kit.clock import utcnow
from aipair.ops.backups import repository as records
from aipair.ops.backups.drill import DrillReport, run_drill
from aipair.ops.backups.fingerprint import Mark, create_mark
from aipair.ops.backups.logical import DUMP_FILE, restore_dump, take_dump
from aipair.ops.backups.manifest import (
    BackupKind,
    BackupManifest,
    Verification,
    find_manifest,
    read_manifests,
    read_verification,
)
from aipair.ops.backups.physical import take_base_backup
from aipair.ops.backups.progress import Progress, Silent
from aipair.ops.backups.restore import BackupUnusable, RecoveryTarget, lay_out_physical
from aipair.ops.backups.source import SourceDatabase, source_database
from aipair.ops.backups.status import ArchiveStatus, archive_status
from aipair.ops.backups.storage import BackupStorage, open_storage
from aipair.ops.backups.verify import VerifyResult, verify_backup
from aipair.ops.backups.wal import SegmentName, archiving_embedded_server
from aipair.ops.backups.walchain import WAL_PREFIX, archived_segments, plan_replay

log = structlog.get_logger("aipair.backup")


class RefusedRestore(RuntimeError):
    """A restore over the running production database without ``--force``."""


@dataclass(frozen=True)
class ListedBackup:
    manifest: BackupManifest
    verification: Verification | None


class BackupOperations:
    """Create, list, verify, restore, prune and drill, recording outcomes in the database."""

    def __init__(self, settings: Settings, urls: DatabaseUrls, progress: Progress | None = None) -> None:
        self.settings = settings
        self.source: SourceDatabase = source_database(settings, urls)
        self.storage: BackupStorage = open_storage(settings)
        self.progress = progress or Silent()
        self.workdir = settings.data_path / "ops" / "work"
        self.workdir.mkdir(parents=True, exist_ok=True)

    def default_kind(self) -> BackupKind:
        return self.settings.backup.scheduled_kind or ("physical" if self.settings.embedded else "logical")

    def create(self, kind: BackupKind | None = None) -> BackupManifest:
        """Take a backup (physical: base backup for point-in-time recovery; logical: ``pg_dump -Fc``)."""
        chosen = kind or self.default_kind()
        take = take_base_backup if chosen == "physical" else take_dump
        manifest = take(self.source, self.storage, self.workdir, self.progress)
        self._record(lambda conn: records.save_backup(conn, manifest, self.storage.describe()))
        log.info("backup_created", label=manifest.label, kind=chosen, bytes=manifest.size)
        return manifest

    def backups(self) -> list[ListedBackup]:
        return [ListedBackup(m, read_verification(self.storage, m)) for m in read_manifests(self.storage)]

    def verify(self, label: str | None = None, *, until: datetime | None = None) -> list[VerifyResult]:
        """Verify one backup (or every one) and record the outcome beside it and in the database."""
        manifests = [find_manifest(self.storage, label)] if label else read_manifests(self.storage)
        results = [
            verify_backup(self.storage, m, self.workdir, self.progress, until=until) for m in manifests
        ]
        outcomes = [(r.manifest.label, read_verification(self.storage, r.manifest)) for r in results]

        def save(conn: psycopg.Connection) -> None:
            for label, outcome in outcomes:
                if outcome is not None:
                    records.save_verification(conn, label, outcome)

        self._record(save)
        return results

    def archive_status(self) -> ArchiveStatus:
        """The database's WAL archiving: settings, the archiver's progress, what is wrong."""
        return archive_status(self.source)

    def mark(self, name: str | None = None) -> Mark:
        """A restore point with the state of every table at it (``restore --to-time`` its time)."""
        return create_mark(self.source, self.storage, name)

    def restore_directory(
        self, pgdata: Path, target: RecoveryTarget, *, label: str | None = None, force: bool = False
    ) -> float:
        """Restore the newest base backup before the target (or ``label``) into ``pgdata`` and run
        recovery to the target; returns the seconds it took. Refuses a damaged backup or missing WAL."""
        started = utcnow()
        manifest = self._base_for(target, label)
        self._refuse_over_production(pgdata, force)
        checked = verify_backup(
            self.storage, manifest, self.workdir, self.progress, until=target.time, record=False
        )
        if not checked.ok:
            raise BackupUnusable(manifest.label, checked.problems)
        if pgdata.exists():
            shutil.move(pgdata, pgdata.with_name(f"{pgdata.name}.before-restore-{started:%Y%m%dT%H%M%S}"))
        plan = plan_replay(self.storage, manifest, target.time, check_sums=False)
        server = lay_out_physical(self.settings, self.storage, manifest, plan, pgdata, target, self.progress)
        self.progress.stage("recovering (replaying WAL)")
        server.start()
        try:
            server.wait_promoted(server.url(self.source.owner_url))
        finally:
            server.stop()
        return (utcnow() - started).total_seconds()

    def restore_database(self, target_url: str, *, label: str | None = None, force: bool = False) -> None:
        """Restore a logical backup into the database at ``target_url`` (empty unless ``force``)."""
        manifest = find_manifest(self.storage, label, "logical")
        if _same_database(target_url, self.source.owner_url) and not force:
            raise RefusedRestore("that is the production database: pass --force (and confirm) to replace it")
        checked = verify_backup(self.storage, manifest, self.workdir, self.progress, record=False)
        if not checked.ok:
            raise BackupUnusable(manifest.label, checked.problems)
        path = self.storage.local_path(manifest.key(DUMP_FILE))
        if path is None:
            path = self.workdir / f"{manifest.label}.dump"
            self.storage.download(manifest.key(DUMP_FILE), path)
        try:
            restore_dump(path, target_url, clean=force, progress=self.progress)
        finally:
            if self.storage.local_path(manifest.key(DUMP_FILE)) is None:
                path.unlink(missing_ok=True)

    def drill(self, to_time: datetime | None = None, kind: BackupKind | None = None) -> DrillReport:
        """Restore into a scratch server, compare, verify audit chains, measure RTO and RPO; recorded."""
        report = run_drill(
            self.settings, self.source, self.storage, self.progress, to_time=to_time, kind=kind
        )
        self._record(lambda conn: records.save_drill(conn, report, utcnow()))
        log.info("backup_drill", passed=report.passed, rto_s=report.rto_s, rpo_s=report.rpo_s)
        return report

    def prune(self, retention_days: int | None = None) -> list[str]:
        """Delete backups older than the retention (never the newest of each kind) and the WAL no kept
        base backup needs; returns the labels removed."""
        days = retention_days or self.settings.backup.retention_days
        cutoff = utcnow() - timedelta(days=days)
        manifests = read_manifests(self.storage)
        newest = {m.kind: m.label for m in manifests}
        doomed = [m for m in manifests if m.finished_at < cutoff and m.label not in newest.values()]
        for manifest in doomed:
            for item in self.storage.list(manifest.prefix):
                self.storage.delete(item.key)
        kept = [m for m in manifests if m.kind == "physical" and m not in doomed]
        self._prune_wal(kept)
        for item in self.storage.list("marks"):
            if item.modified_at < cutoff:
                self.storage.delete(item.key)
        self._record(lambda conn: records.save_pruned(conn, [m.label for m in doomed], utcnow()))
        return [m.label for m in doomed]

    def _prune_wal(self, kept: list[BackupManifest]) -> None:
        if not kept:
            return
        oldest = min(kept, key=lambda m: m.finished_at)
        first = SegmentName.of_lsn(oldest.timeline, oldest.start_lsn, oldest.segment_bytes)
        for segment, archived in archived_segments(self.storage, oldest.segment_bytes).items():
            if segment.timeline <= first.timeline and segment.number < first.number:
                self.storage.delete(archived.key)
                self.storage.delete(archived.key + ".sha256")
        for item in self.storage.list(WAL_PREFIX):
            if ".backup" in item.key and item.key.rsplit("/", 1)[-1][:24] < first.name(oldest.segment_bytes):
                self.storage.delete(item.key)

    def _base_for(self, target: RecoveryTarget, label: str | None) -> BackupManifest:
        if label is not None:
            return find_manifest(self.storage, label, "physical")
        bases = [m for m in read_manifests(self.storage) if m.kind == "physical"]
        if target.time is not None:
            bases = [m for m in bases if m.finished_at < target.time]
        if not bases:
            raise LookupError("no physical backup finished before the target")
        return bases[-1]

    def _refuse_over_production(self, pgdata: Path, force: bool) -> None:
        if not self.settings.embedded:
            return
        server = archiving_embedded_server(self.settings)
        if pgdata.resolve() != server.pgdata.resolve() or server.running_port() is None:
            return
        if not force:
            raise RefusedRestore("that is the running production data directory: pass --force to replace it")
        server.stop()

    def _record(self, write: Callable[[psycopg.Connection], None]) -> None:
        """Write a record as the owner; backups go on when the database cannot record them."""
        try:
            with psycopg.connect(self.source.owner_url, autocommit=True, connect_timeout=5) as conn:
                write(conn)
        except psycopg.OperationalError as exc:
            log.warning("backup_record_skipped", error=str(exc).splitlines()[0])


def _same_database(a: str, b: str) -> bool:
    first, second = urlsplit(a), urlsplit(b)
    return (first.hostname, first.port, first.path) == (second.hostname, second.port, second.path)
