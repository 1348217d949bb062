"""Continuous WAL archiving: the product's archive command, the server parameters, segment names.

The archive and restore commands are a small POSIX shell script (``wal_command.sh``) installed in
the data directory, so they run as the server's system user with nothing but ``gzip``, ``sha256sum``
and ``cmp``: no Python environment has to be reachable from the server process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from aipair.config import Settings
from aipair.db.embedded import EmbeddedPostgres, give_to_server
from aipair.db.urls import embedded_server
from aipair.ops.backups.location import wal_archive_dir

SCRIPT_NAME = "wal_command.sh"
SEGMENT = re.compile(r"^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$")
DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024


def installed_script(settings: Settings) -> Path:
    """The product's WAL command, (re)installed in the data directory, readable by the server."""
    target = settings.data_path / "ops" / SCRIPT_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    source = resources.files("aipair.ops.backups").joinpath(SCRIPT_NAME).read_text()
    if not target.exists() or target.read_text() != source:
        target.write_text(source)
    target.chmod(0o755)
    target.parent.chmod(0o755)
    return target


def archive_command(script: Path, archive_dir: Path) -> str:
    return f'/bin/sh "{script}" archive "%p" "%f" "{archive_dir}"'


def restore_command(script: Path, archive_dir: Path) -> str:
    return f'/bin/sh "{script}" restore "%f" "%p" "{archive_dir}"'


def server_parameters(settings: Settings) -> dict[str, str]:
    """The parameters that make the embedded server archive every WAL segment into the repository.

    ``archive_timeout`` bounds how long a committed transaction waits outside the repository when
    traffic is low; ``track_commit_timestamp`` lets a restore drill tell the time of the newest
    transaction on both sides.
    """
    if not settings.backup.wal_archiving:
        return {}
    archive_dir = wal_archive_dir(settings)
    archive_dir.mkdir(parents=True, exist_ok=True)
    give_to_server(archive_dir)
    return {
        "wal_level": "replica",
        "archive_mode": "on",
        "archive_command": archive_command(installed_script(settings), archive_dir),
        "archive_timeout": f"{settings.backup.archive_timeout_s}s",
        "track_commit_timestamp": "on",
    }


@dataclass(frozen=True, order=True)
class SegmentName:
    """A WAL segment file name: timeline and segment number."""

    timeline: int
    number: int

    @classmethod
    def parse(cls, name: str, segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> SegmentName | None:
        match = SEGMENT.match(name)
        if match is None:
            return None
        per_log = 0x1_0000_0000 // segment_bytes
        timeline, log, seg = (int(part, 16) for part in match.groups())
        return cls(timeline, log * per_log + seg)

    @classmethod
    def of_lsn(cls, timeline: int, lsn: str, segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> SegmentName:
        return cls(timeline, parse_lsn(lsn) // segment_bytes)

    def name(self, segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> str:
        per_log = 0x1_0000_0000 // segment_bytes
        return f"{self.timeline:08X}{self.number // per_log:08X}{self.number % per_log:08X}"


def parse_lsn(lsn: str) -> int:
    """``0/16B3748`` as an integer position."""
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass(frozen=True)
class ArchivedSegment:
    """A segment in the repository: its name and when it was archived."""

    segment: SegmentName
    key: str
    archived_at: datetime


def archiving_embedded_server(settings: Settings) -> EmbeddedPostgres:
    """The embedded server, archiving its WAL into the backup repository (point-in-time recovery)
    unless ``AIPAIR_BACKUP__WAL_ARCHIVING=false``: how every command and the server start it."""
    return embedded_server(settings, server_parameters(settings))
