"""Where backups live: a directory or an S3-compatible bucket, and where WAL segments are archived."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aipair.config import Settings


@dataclass(frozen=True)
class RepositoryLocation:
    """A backup repository: ``path`` for a directory, or ``bucket`` and ``prefix`` for S3."""

    path: Path | None = None
    bucket: str | None = None
    prefix: str = ""

    @property
    def is_s3(self) -> bool:
        return self.bucket is not None

    def describe(self) -> str:
        if self.bucket is not None:
            return f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        return str(self.path)


def repository_location(settings: Settings) -> RepositoryLocation:
    """The configured repository (default ``<data dir>/backups``)."""
    configured = settings.backup.repository
    if configured is None:
        return RepositoryLocation(path=settings.data_path / "backups")
    if configured.startswith("s3://"):
        bucket, _, prefix = configured.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError("AIPAIR_BACKUP__REPOSITORY: s3:// needs a bucket name")
        return RepositoryLocation(bucket=bucket, prefix=prefix.strip("/"))
    return RepositoryLocation(path=Path(configured).expanduser().resolve())


def wal_archive_dir(settings: Settings) -> Path:
    """The directory the server's archive command writes WAL segments into.

    For a repository on disk it is the repository's own ``wal/``; for a bucket, a spool in the data
    directory from which the worker uploads each segment.
    """
    location = repository_location(settings)
    if location.path is not None:
        return location.path / "wal"
    return settings.data_path / "wal-spool"
