"""Restoring a base backup plus archived WAL into a data directory, up to a point in time."""

from __future__ import annotations

import shutil
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aipair.config import Settings
from aipair.db.embedded import give_to_server
from aipair.ops.backups.manifest import BackupManifest
from aipair.ops.backups.progress import Progress
from aipair.ops.backups.scratch import ScratchServer
from aipair.ops.backups.storage import BackupStorage
from aipair.ops.backups.wal import installed_script, restore_command
from aipair.ops.backups.walchain import WAL_PREFIX, WalPlan


class BackupUnusable(RuntimeError):
    """The backup (or the WAL it needs) failed verification: nothing was restored."""

    def __init__(self, label: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"backup {label} cannot be restored: " + "; ".join(problems))


@dataclass(frozen=True)
class RecoveryTarget:
    """Where recovery stops: a time, a named restore point, or (neither) the end of the archive."""

    time: datetime | None = None
    name: str | None = None

    def parameters(self) -> dict[str, str]:
        """Recovery parameters: a restore point is preferred to its time (recovery stops at the point
        even when no later transaction was archived, which a time target needs to know it is past)."""
        found = {"recovery_target_action": "promote", "recovery_target_timeline": "latest"}
        if self.name is not None:
            found["recovery_target_name"] = self.name
        elif self.time is not None:
            found["recovery_target_time"] = self.time.isoformat(sep=" ")
        return found

    def describe(self) -> str:
        if self.time is not None:
            return self.time.isoformat(sep=" ") + (f" (restore point {self.name})" if self.name else "")
        return f"restore point {self.name}" if self.name else "the newest archived transaction"


def lay_out_physical(
    settings: Settings,
    storage: BackupStorage,
    manifest: BackupManifest,
    plan: WalPlan,
    pgdata: Path,
    target: RecoveryTarget,
    progress: Progress,
) -> ScratchServer:
    """Unpack the base backup into ``pgdata`` (which must not exist) and configure its recovery."""
    pgdata.mkdir(parents=True)
    progress.stage(f"unpacking {manifest.label}", manifest.size)
    for name, into in (("base.tar.gz", pgdata), ("pg_wal.tar.gz", pgdata / "pg_wal")):
        if any(f.name == name for f in manifest.files):
            _unpack(storage, manifest.key(name), into, pgdata.parent)
            progress.advance_by(next(f.size for f in manifest.files if f.name == name))
    wal_dir = _wal_source(storage, plan, manifest, pgdata.with_name(pgdata.name + "-wal"), progress)
    server = ScratchServer(pgdata)
    server.configure(
        {"restore_command": restore_command(installed_script(settings), wal_dir), **target.parameters()}
    )
    (pgdata / "recovery.signal").write_text("")
    return server


def _unpack(storage: BackupStorage, key: str, into: Path, scratch: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    path = storage.local_path(key)
    download = None
    if path is None:
        download = path = scratch / (key.replace("/", "_") + ".download")
        storage.download(key, path)
    try:
        with tarfile.open(path, "r:gz") as tar:
            # Our own backup, checked against its manifest: the data filter would refuse its modes.
            tar.extractall(into, filter="fully_trusted")  # noqa: S202
    finally:
        if download is not None:
            download.unlink(missing_ok=True)


def _wal_source(
    storage: BackupStorage, plan: WalPlan, manifest: BackupManifest, spool: Path, progress: Progress
) -> Path:
    """Where the restore command finds segments: the repository's own folder, or a local copy of the
    needed ones (and the timeline histories) from a bucket."""
    local = storage.local_path(WAL_PREFIX)
    if local is not None:
        return local
    spool.mkdir(parents=True, exist_ok=True)
    keys = [item.key for item in storage.list(WAL_PREFIX) if ".history" in item.key]
    needed = {s.name(manifest.segment_bytes) for s in plan.needed}
    keys += [item.key for item in storage.list(WAL_PREFIX) if item.key.rsplit("/", 1)[-1][:24] in needed]
    progress.stage(f"fetching {len(keys)} WAL files", len(keys))
    for key in keys:
        storage.download(key, spool / key.rsplit("/", 1)[-1])
        progress.advance_by(1)
    give_to_server(spool)
    return spool


def remove_restored(pgdata: Path) -> None:
    """Delete a restored copy and its fetched WAL."""
    shutil.rmtree(pgdata, ignore_errors=True)
    shutil.rmtree(pgdata.with_name(pgdata.name + "-wal"), ignore_errors=True)
