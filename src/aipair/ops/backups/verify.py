"""``aipair backup verify``: every stored file against its SHA-256, the base backup's own manifest
against the files inside it, a dump against ``pg_restore --list``, and the WAL a restore needs.

(The embedded package's ``pg_verifybackup`` crashes at start-up, so the same checks run here: the
backup manifest's own checksum, then every file of the cluster with its size and SHA-256.)
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aipair.kit.clock import utcnow
from aipair.ops.backups.logical import DUMP_FILE, list_contents
from aipair.ops.backups.manifest import VERIFICATION, BackupManifest, Verification, sha256_of
from aipair.ops.backups.pgtools import ToolFailed
from aipair.ops.backups.progress import Progress
from aipair.ops.backups.storage import BackupStorage
from aipair.ops.backups.walchain import plan_replay


@dataclass
class VerifyResult:
    """What ``verify`` found about one backup (no problems: it can be restored)."""

    manifest: BackupManifest
    problems: list[str] = field(default_factory=list)
    wal_segments: int = 0
    contents: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_backup(
    storage: BackupStorage,
    manifest: BackupManifest,
    workdir: Path,
    progress: Progress,
    *,
    until: datetime | None = None,
    record: bool = True,
) -> VerifyResult:
    """Check one backup end to end; with ``record``, store the outcome beside it."""
    result = VerifyResult(manifest)
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        files = _fetch_checked(storage, manifest, Path(scratch), progress, result)
        if manifest.kind == "physical":
            _check_cluster_files(files, result)
            plan = plan_replay(storage, manifest, until)
            result.problems += plan.problems
            result.wal_segments = len(plan.needed)
        elif DUMP_FILE in files:
            _check_dump(files[DUMP_FILE], manifest, result)
    if record:
        outcome = Verification(utcnow(), result.ok, result.problems)
        storage.write(manifest.key(VERIFICATION), outcome.to_json())
    return result


def _fetch_checked(
    storage: BackupStorage, manifest: BackupManifest, scratch: Path, progress: Progress, result: VerifyResult
) -> dict[str, Path]:
    """Each stored file (downloaded when remote) whose size and SHA-256 match the manifest."""
    progress.stage(f"checking {manifest.label}", manifest.size)
    good: dict[str, Path] = {}
    for item in manifest.files:
        key = manifest.key(item.name)
        if not storage.exists(key):
            result.problems.append(f"{key} is missing from the repository")
            continue
        path = storage.local_path(key)
        if path is None:
            path = scratch / item.name
            storage.download(key, path)
        actual = sha256_of(path)
        progress.advance_by(item.size)
        if actual != item.sha256:
            result.problems.append(
                f"{key} is damaged: SHA-256 {actual[:16]}… does not match the manifest's {item.sha256[:16]}…"
            )
            continue
        good[item.name] = path
    return good


def _check_cluster_files(files: dict[str, Path], result: VerifyResult) -> None:
    """The base backup's ``backup_manifest``: its own checksum, then every file inside the tar."""
    if "backup_manifest" not in files or "base.tar.gz" not in files:
        return
    raw = files["backup_manifest"].read_bytes()
    body, marker, _ = raw.rpartition(b'"Manifest-Checksum"')
    listed: dict[str, Any] = json.loads(raw)
    if not marker or hashlib.sha256(body).hexdigest() != listed["Manifest-Checksum"]:
        result.problems.append("backup_manifest does not match its own checksum")
        return
    expected = {entry["Path"]: entry for entry in listed["Files"]}
    try:
        _compare_tar(files["base.tar.gz"], expected, result)
    except (tarfile.TarError, OSError, EOFError) as exc:
        result.problems.append(f"base.tar.gz cannot be read: {exc}")


def _compare_tar(archive: Path, expected: dict[str, Any], result: VerifyResult) -> None:
    seen: set[str] = set()
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            entry = expected.get(member.name)
            if entry is None or not member.isfile():
                continue
            seen.add(member.name)
            reader = tar.extractfile(member)
            assert reader is not None
            digest = hashlib.sha256()
            while chunk := reader.read(1024 * 1024):
                digest.update(chunk)
            if member.size != entry["Size"] or digest.hexdigest() != entry["Checksum"]:
                result.problems.append(f"base.tar.gz: {member.name} does not match backup_manifest")
    for name in sorted(set(expected) - seen)[:20]:
        result.problems.append(f"base.tar.gz: {name} is listed in backup_manifest but missing")


def _check_dump(dump: Path, manifest: BackupManifest, result: VerifyResult) -> None:
    try:
        result.contents = list_contents(dump)
    except ToolFailed as exc:
        result.problems.append(f"pg_restore --list cannot read the dump: {exc}")
        return
    listed = {line.split()[-2] for line in result.contents.splitlines() if " TABLE DATA " in line}
    missing = [t for t in manifest.tables if t.split(".")[-1].strip('"') not in listed]
    result.problems += [f"the dump holds no data for {table}" for table in missing[:20]]
