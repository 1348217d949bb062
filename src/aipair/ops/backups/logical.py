"""Logical backups with ``pg_dump -Fc`` (any PostgreSQL 15+, managed ones included) and their restore."""

from __future__ import annotations

import shutil
from pathlib import Path

from psycopg import IsolationLevel

from aipair.kit.clock import utcnow
from aipair.ops.backups.fingerprint import fingerprint
from aipair.ops.backups.manifest import BackupManifest, new_label, stored_file
from aipair.ops.backups.pgtools import connection_env, database_name, program, run
from aipair.ops.backups.physical import store_backup
from aipair.ops.backups.progress import Progress
from aipair.ops.backups.source import SourceDatabase, server_facts, user_tables
from aipair.ops.backups.storage import BackupStorage

DUMP_FILE = "aipair.dump"


def take_dump(
    source: SourceDatabase, storage: BackupStorage, workdir: Path, progress: Progress
) -> BackupManifest:
    """Dump the database in custom format (``pg_restore --list`` reads it) and store it."""
    started = utcnow()
    label = new_label("logical")
    folder = workdir / label
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with source.connect(autocommit=False) as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        facts = server_facts(conn)
        tables = user_tables(conn)
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert snapshot is not None
        _dump(source, str(snapshot[0]), folder / DUMP_FILE, len(tables), progress)
        progress.stage("checksums of every table, as dumped")
        tables_at_dump = fingerprint(conn, tables)  # the same snapshot the dump saw
        conn.rollback()
    manifest = BackupManifest(
        label=label,
        kind="logical",
        started_at=started,
        finished_at=utcnow(),
        files=[stored_file(folder / DUMP_FILE)],
        server_version=facts["server_version"],
        database=source.database,
        system_identifier=facts["system_identifier"],
        tables=tables,
        fingerprint=tables_at_dump,
    )
    store_backup(storage, manifest, folder, progress)
    shutil.rmtree(folder, ignore_errors=True)
    return manifest


def _dump(source: SourceDatabase, snapshot: str, target: Path, tables: int, progress: Progress) -> None:
    """``pg_dump -Fc`` of the exported ``snapshot`` (the caller holds it open)."""
    args, env = connection_env(source.owner_url)
    progress.stage("dumping tables (pg_dump -Fc)", tables)
    done = [0]

    def on_line(line: str) -> None:
        if "dumping contents of table" in line:
            done[0] += 1
            progress.advance_to(done[0])

    command = [program("pg_dump"), *args, "-d", source.database, "-Fc", "-v", f"--snapshot={snapshot}"]
    run([*command, "-f", str(target)], env=env, on_line=on_line)


def list_contents(dump: Path) -> str:
    """``pg_restore --list`` of a dump: its table of contents."""
    return run([program("pg_restore"), "--list", str(dump)])


def restore_dump(dump: Path, target_url: str, *, clean: bool, progress: Progress) -> None:
    """Restore a dump into the database at ``target_url`` (``--clean`` drops what is there first)."""
    args, env = connection_env(target_url)
    progress.stage("restoring (pg_restore)")
    options = ["--clean", "--if-exists"] if clean else []
    run(
        [
            program("pg_restore"),
            *args,
            "-d",
            database_name(target_url),
            "--exit-on-error",
            *options,
            str(dump),
        ],
        env=env,
        on_line=lambda line: None,
    )
