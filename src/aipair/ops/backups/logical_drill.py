"""The restore drill of a logical backup: a fresh scratch cluster, the dump restored into it, every
table compared with the rows and checksums the dump's own snapshot had.

For a logical backup the RPO is the age of the dump: everything written since would be lost.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
from psycopg import sql

from aipair.config import Settings
from aipair.kit.clock import utcnow
from aipair.ops.backups.logical import DUMP_FILE, restore_dump
from aipair.ops.backups.manifest import BackupManifest
from aipair.ops.backups.progress import Progress
from aipair.ops.backups.restore import BackupUnusable
from aipair.ops.backups.scratch import ScratchServer, new_cluster
from aipair.ops.backups.source import SourceDatabase
from aipair.ops.backups.storage import BackupStorage
from aipair.ops.backups.verify import verify_backup


def restore_logical_copy(
    settings: Settings,
    source: SourceDatabase,
    storage: BackupStorage,
    manifest: BackupManifest,
    workdir: Path,
    progress: Progress,
) -> tuple[str, float, ScratchServer]:
    """Restore ``manifest`` into a new scratch cluster; the URL of the copy, the seconds it took
    (verification included) and the server (to stop)."""
    started = time.monotonic()
    checked = verify_backup(storage, manifest, workdir.parent, progress, record=False)
    if not checked.ok:
        raise BackupUnusable(manifest.label, checked.problems)
    password = secrets.token_urlsafe(24)
    server = new_cluster(workdir / "pgdata", password)
    server.start()
    admin = f"postgresql://postgres:{quote(password)}@127.0.0.1:{server.port}"
    _roles_and_database(admin, source, settings, manifest.database)
    dump = storage.local_path(manifest.key(DUMP_FILE))
    if dump is None:
        dump = workdir / DUMP_FILE
        storage.download(manifest.key(DUMP_FILE), dump)
    copy = f"{admin}/{quote(manifest.database)}"
    restore_dump(dump, copy, clean=False, progress=progress)
    return copy, time.monotonic() - started, server


def _roles_and_database(admin: str, source: SourceDatabase, settings: Settings, database: str) -> None:
    """The roles the dump may name (owner, application and reporting roles, and any other role of the
    source's server, so a grant to it restores) and the empty database, as in the source."""
    owner = urlsplit(source.owner_url).username or "postgres"
    roles = {owner, settings.database_app_role, settings.database_reporting_role} | _source_roles(source)
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        for role in sorted(roles - {"postgres"}):
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(owner))
        )


def _source_roles(source: SourceDatabase) -> set[str]:
    """The roles of the source's server (not PostgreSQL's own ``pg_*`` roles)."""
    with psycopg.connect(source.owner_url, connect_timeout=10) as conn:
        return {row[0] for row in conn.execute("SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_'")}


def dump_age_s(manifest: BackupManifest) -> float:
    """What a failure now would lose with only this dump: everything since its snapshot."""
    return (utcnow() - manifest.started_at).total_seconds()
