"""Base backups with ``pg_basebackup`` (tar, gzip, WAL streamed in, SHA-256 backup manifest)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from aipair.kit.clock import utcnow
from aipair.ops.backups.manifest import BackupManifest, new_label, stored_file
from aipair.ops.backups.pgtools import connection_env, program, run
from aipair.ops.backups.progress import Progress
from aipair.ops.backups.source import SourceDatabase, server_facts, size_in_bytes, user_tables
from aipair.ops.backups.storage import BackupStorage

PROGRESS = re.compile(r"^(\d+)/(\d+) kB")
# Files of a tar-format base backup, in the order a restore needs them.
BASE_FILES = ("base.tar.gz", "pg_wal.tar.gz", "backup_manifest")
# tar format, gzip, the WAL the copy needs streamed alongside, an immediate checkpoint, progress.
BASEBACKUP_OPTIONS = ("-Ft", "-z", "-X", "stream", "-c", "fast", "-P", "--manifest-checksums=SHA256")


def take_base_backup(
    source: SourceDatabase, storage: BackupStorage, workdir: Path, progress: Progress
) -> BackupManifest:
    """Copy the whole cluster with ``pg_basebackup`` and store it with its manifests."""
    started = utcnow()
    label = new_label("physical")
    target = workdir / label
    shutil.rmtree(target, ignore_errors=True)
    with source.connect() as conn:
        facts = server_facts(conn)
        tables = user_tables(conn)
    args, env = connection_env(source.replication_url)
    progress.stage("copying the cluster (pg_basebackup)", 100)
    run(
        [program("pg_basebackup"), *args, "-D", str(target), *BASEBACKUP_OPTIONS, f"--label=aipair {label}"],
        env=env,
        on_line=lambda line: _report(line, progress),
    )
    ranges = json.loads((target / "backup_manifest").read_text())["WAL-Ranges"][0]
    files = [stored_file(target / name) for name in BASE_FILES if (target / name).exists()]
    manifest = BackupManifest(
        label=label,
        kind="physical",
        started_at=started,
        finished_at=utcnow(),
        files=files,
        server_version=facts["server_version"],
        database=source.database,
        system_identifier=facts["system_identifier"],
        timeline=int(ranges["Timeline"]),
        start_lsn=ranges["Start-LSN"],
        end_lsn=ranges["End-LSN"],
        segment_bytes=size_in_bytes(facts["wal_segment_size"]),
        tables=tables,
    )
    store_backup(storage, manifest, target, progress)
    shutil.rmtree(target, ignore_errors=True)
    return manifest


def store_backup(storage: BackupStorage, manifest: BackupManifest, folder: Path, progress: Progress) -> None:
    """Upload each file, then the manifest (which marks the backup complete)."""
    progress.stage(f"storing in {storage.describe()}", manifest.size)
    for item in manifest.files:
        storage.upload(manifest.key(item.name), folder / item.name, progress.advance_by)
    storage.write(manifest.key("aipair-manifest.json"), manifest.to_json())


def _report(line: str, progress: Progress) -> None:
    match = PROGRESS.match(line)
    if match and int(match.group(2)):
        progress.advance_to(int(match.group(1)) * 100 // int(match.group(2)))
