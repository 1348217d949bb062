"""``aipair backup drill``: restore into a scratch server, compare with the source, measure RTO and RPO.

The drill restores the newest base backup before the target (a fresh mark by default) with the
archived WAL, into a scratch server of its own. It then compares every table's row count and
checksum with the mark's, verifies the audit hash chains of the copy (``aipair audit verify``), and
measures:

- **RTO**: from the start of the restore (verification included) to a promoted copy answering queries;
- **RPO**: how long the newest transaction at the target stayed outside the repository (from its
  commit until the WAL segment holding it was archived): what a failure at that moment would have lost.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg

from aipair.audit.chain import ChainReport, verify_chains
from aipair.config import Settings
from aipair.db.raw import direct_connection
from aipair.kit.clock import utcnow
from aipair.ops.backups.fingerprint import Mark, create_mark, differences, find_mark, fingerprint
from aipair.ops.backups.logical_drill import dump_age_s, restore_logical_copy
from aipair.ops.backups.manifest import BackupKind, BackupManifest, read_manifests
from aipair.ops.backups.progress import Progress
from aipair.ops.backups.restore import BackupUnusable, RecoveryTarget, lay_out_physical, remove_restored
from aipair.ops.backups.source import SourceDatabase
from aipair.ops.backups.storage import BackupStorage
from aipair.ops.backups.verify import verify_backup
from aipair.ops.backups.wal import SegmentName
from aipair.ops.backups.walchain import archived_segments, plan_replay

RUNBOOK_RTO_S = 30 * 60
RUNBOOK_RPO_S = 5 * 60
TARGET_RPO_S = 60


@dataclass
class DrillReport:
    """What a drill measured and found; ``passed`` when the copy equals the source at the target."""

    backup: str
    target: str
    started_at: datetime
    rto_s: float = 0.0
    rpo_s: float | None = None
    tables_compared: int = 0
    mismatches: list[str] = field(default_factory=list)
    chains: int = 0
    broken_chains: int = 0
    newest_transaction_at: datetime | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches and not self.broken_chains

    def lines(self) -> list[str]:
        """The drill's report as printed by the command line."""
        if self.error:
            return [f"drill of {self.backup} to {self.target}: FAILED: {self.error}"]
        rpo = "unknown" if self.rpo_s is None else f"{self.rpo_s:.1f} s"
        rpo_ok = self.rpo_s is not None and self.rpo_s <= RUNBOOK_RPO_S
        rto_ok = self.rto_s <= RUNBOOK_RTO_S
        return [
            f"drill of {self.backup} to {self.target}: {'PASSED' if self.passed else 'FAILED'}",
            f"  tables compared (rows and checksums): {self.tables_compared},"
            f" different: {len(self.mismatches)}",
            *(f"    {line}" for line in self.mismatches[:20]),
            f"  audit chains verified on the copy: {self.chains}, broken: {self.broken_chains}",
            f"  newest transaction that survived: {self.newest_transaction_at or 'unknown'}",
            "            measured    runbook",
            f"  RTO   {self.rto_s:>10.1f} s   {RUNBOOK_RTO_S // 60} min   {_verdict(rto_ok)}",
            f"  RPO   {rpo:>12}   {RUNBOOK_RPO_S // 60} min    {_verdict(rpo_ok)} (target {TARGET_RPO_S} s)",
        ]


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def run_drill(
    settings: Settings,
    source: SourceDatabase,
    storage: BackupStorage,
    progress: Progress,
    *,
    to_time: datetime | None = None,
    kind: BackupKind | None = None,
) -> DrillReport:
    """Restore to ``to_time`` (default: a mark taken now) in a scratch server and compare; a logical
    drill (``kind``, or no physical backup at all) restores the newest dump into a scratch cluster."""
    manifests = read_manifests(storage)
    if kind == "logical" or (
        kind is None and to_time is None and not any(m.kind == "physical" for m in manifests)
    ):
        dumps = [m for m in manifests if m.kind == "logical"]
        if dumps:
            return _logical_drill(settings, source, storage, dumps[-1], progress)
    mark = find_mark(storage, at=to_time) if to_time else create_mark(source, storage)
    at = to_time or (mark.at if mark else utcnow())
    target = RecoveryTarget(time=at, name=mark.name if mark else None)
    manifest = _base_before(storage, at)
    report = DrillReport(manifest.label if manifest else "-", target.describe(), utcnow())
    if manifest is None:
        report.error = "no physical backup finished before the target"
        return report
    progress.stage("waiting for the target's WAL to reach the repository")
    waited = settings.backup.archive_timeout_s + 60
    report.rpo_s = _wait_archived(storage, manifest, mark, at, waited)
    if report.rpo_s is None:
        report.error = (
            f"the WAL holding the target did not reach the repository within {waited} s:"
            " see `aipair backup status`"
        )
        return report
    workdir = settings.data_path / "ops" / "drills" / report.started_at.strftime("%Y%m%dT%H%M%S%f")
    try:
        _restore_and_compare(settings, source, storage, manifest, mark, target, workdir, progress, report)
    except (BackupUnusable, RuntimeError, psycopg.Error) as exc:
        report.error = str(exc)
    finally:
        remove_restored(workdir)
    return report


def _restore_and_compare(
    settings: Settings,
    source: SourceDatabase,
    storage: BackupStorage,
    manifest: BackupManifest,
    mark: Mark | None,
    target: RecoveryTarget,
    workdir: Path,
    progress: Progress,
    report: DrillReport,
) -> None:
    started = time.monotonic()
    workdir.parent.mkdir(parents=True, exist_ok=True)
    checked = verify_backup(storage, manifest, workdir.parent, progress, until=target.time, record=False)
    if not checked.ok:
        raise BackupUnusable(manifest.label, checked.problems)
    plan = plan_replay(storage, manifest, target.time, check_sums=False)
    server = lay_out_physical(settings, storage, manifest, plan, workdir, target, progress)
    progress.stage("recovering (replaying WAL)")
    server.start()
    try:
        url = server.url(source.owner_url)
        server.wait_promoted(url)
        report.rto_s = time.monotonic() - started
        report.newest_transaction_at = server.last_transaction_at()
        report.chains, report.broken_chains = _chains(url)
        with psycopg.connect(url) as conn:
            _compare(conn, mark, report)
    finally:
        server.stop()


def _logical_drill(
    settings: Settings,
    source: SourceDatabase,
    storage: BackupStorage,
    manifest: BackupManifest,
    progress: Progress,
) -> DrillReport:
    report = DrillReport(
        manifest.label, f"its snapshot of {manifest.started_at.isoformat(sep=' ')}", utcnow()
    )
    report.rpo_s = dump_age_s(manifest)
    workdir = settings.data_path / "ops" / "drills" / report.started_at.strftime("%Y%m%dT%H%M%S%f")
    workdir.mkdir(parents=True)
    server = None
    try:
        progress.stage("restoring the dump into a scratch cluster")
        url, report.rto_s, server = restore_logical_copy(
            settings, source, storage, manifest, workdir, progress
        )
        report.chains, report.broken_chains = _chains(url)
        with psycopg.connect(url) as conn:
            report.tables_compared = len(manifest.fingerprint)
            report.mismatches = differences(
                manifest.fingerprint, fingerprint(conn, list(manifest.fingerprint))
            )
    except (BackupUnusable, RuntimeError, psycopg.Error) as exc:
        report.error = str(exc)
    finally:
        if server is not None:
            server.stop()
        remove_restored(workdir)
    return report


def _chains(url: str) -> tuple[int, int]:
    """How many audit chains the restored database holds, and how many of them are broken."""

    async def walk() -> list[ChainReport]:
        async with direct_connection(url) as conn:
            return await verify_chains(conn)

    chains = asyncio.run(walk())
    return len(chains), sum(1 for c in chains if c.broken)


def _compare(conn: psycopg.Connection, mark: Mark | None, report: DrillReport) -> None:
    if mark is None:
        return
    restored = fingerprint(conn, list(mark.tables))
    report.tables_compared = len(mark.tables)
    report.mismatches = differences(mark.tables, restored)


def _base_before(storage: BackupStorage, at: datetime) -> BackupManifest | None:
    bases = [m for m in read_manifests(storage) if m.kind == "physical" and m.finished_at < at]
    return bases[-1] if bases else None


def _wait_archived(
    storage: BackupStorage, manifest: BackupManifest, mark: Mark | None, at: datetime, timeout_s: float
) -> float | None:
    """Wait until the WAL holding the target is in the repository; the seconds it spent outside it
    (for a mark, from its restore point to the archiving of that segment)."""
    size = manifest.segment_bytes
    wanted = SegmentName.of_lsn(mark.timeline, mark.lsn, size) if mark else None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        archive = archived_segments(storage, size)
        if wanted is not None and wanted in archive:
            return max(0.0, (archive[wanted].archived_at - at).total_seconds())
        later = [a.archived_at for a in archive.values() if a.archived_at > at]
        if wanted is None and later:
            return (min(later) - at).total_seconds()
        time.sleep(0.25)
    return None
