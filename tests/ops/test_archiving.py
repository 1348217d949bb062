"""Continuous WAL archiving bounds the recovery point from the moment the embedded server starts."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import psycopg

from aipair.config import BackupSettings, Settings
from aipair.ops.backups.location import wal_archive_dir
from aipair.ops.backups.wal import archiving_embedded_server
from tests.ops.conftest import ARCHIVE_TIMEOUT_S


def test_a_quiet_server_just_started_archives_a_commit_within_archive_timeout() -> None:
    data = Path(tempfile.mkdtemp(prefix="aipair-archiving-"))
    settings = Settings(
        env="test",
        data_dir=data,
        embedded_db_port=0,
        backup=BackupSettings(archive_timeout_s=ARCHIVE_TIMEOUT_S),
        log_level="WARNING",
    )
    server = archiving_embedded_server(settings)
    server.ensure_running()
    try:
        with psycopg.connect(server.superuser_url(), autocommit=True) as conn:
            conn.execute("SELECT txid_current()")  # one commit, then nothing
            row = conn.execute("SELECT pg_walfile_name(pg_current_wal_lsn())").fetchone()
            assert row is not None
            holding = row[0]
            started = time.monotonic()
            archived = ""
            while time.monotonic() - started < ARCHIVE_TIMEOUT_S + 15:
                state = conn.execute(
                    "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"
                ).fetchone()
                archived = state[0] if state else ""
                if archived >= holding:
                    break
                time.sleep(0.2)
        # Without help the server would wait a whole checkpoint_timeout (5 min) before the first switch.
        assert archived >= holding, f"{holding} not archived within {ARCHIVE_TIMEOUT_S + 15} s"
        assert (wal_archive_dir(settings) / f"{holding}.gz").exists()
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
