"""``aipair backup status``: is the database archiving its WAL into the repository, as configured?

On an external server this is how the operator checks what they set (``archive_mode``,
``archive_timeout``, the platform's archive command) and that the archiver keeps up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

from aipair.ops.backups.source import SourceDatabase
from aipair.ops.backups.wal import SCRIPT_NAME

SETTINGS = ("archive_mode", "archive_timeout", "archive_command", "wal_level", "track_commit_timestamp")


@dataclass(frozen=True)
class ArchiveStatus:
    """The server's archiving settings and its archiver's progress."""

    settings: dict[str, str]
    last_archived_wal: str | None
    last_archived_at: datetime | None
    failed_count: int
    last_failed_wal: str | None
    last_failed_at: datetime | None

    @property
    def problems(self) -> list[str]:
        """What stands between this server and point-in-time recovery."""
        found = []
        if self.settings.get("archive_mode") not in ("on", "always"):
            found.append("archive_mode is off: no point-in-time recovery (set it, then restart the server)")
        if self.settings.get("archive_timeout") in ("0", "0s"):
            found.append(
                "archive_timeout is 0: a quiet server keeps its commits out of the archive for hours"
            )
        if self.settings.get("wal_level") == "minimal":
            found.append("wal_level is minimal: set it to replica")
        command = self.settings.get("archive_command", "")
        if command and SCRIPT_NAME not in command and "insufficient privilege" not in command:
            found.append("archive_command is not the platform's: its segments are not checked and verified")
        if self.last_failed_at and (
            self.last_archived_at is None or self.last_failed_at > self.last_archived_at
        ):
            found.append(f"the archiver is failing: {self.last_failed_wal} could not be archived")
        return found


def archive_status(source: SourceDatabase) -> ArchiveStatus:
    """Read the archiving settings (as the replication role, which may see the command) and progress."""
    with psycopg.connect(source.replication_url, autocommit=True, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name = ANY(%s)",
            [list(SETTINGS)],
        )
        settings = {name: value for name, value in rows.fetchall()}
        archiver = conn.execute(
            "SELECT last_archived_wal, last_archived_time, failed_count, last_failed_wal, last_failed_time"
            " FROM pg_stat_archiver"
        ).fetchone()
    assert archiver is not None
    return ArchiveStatus(settings, archiver[0], archiver[1], int(archiver[2]), archiver[3], archiver[4])
