"""The backup repository's storage: a directory, or an S3-compatible bucket, behind one small protocol.

Keys are ``/``-separated relative paths (``base/<label>/base.tar.gz``, ``wal/<segment>.gz``). Writes
land under a temporary name first (a directory) or as one object (a bucket), so a reader never sees a
half-written file under its real key.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from aipair.config import Settings
from aipair.ops.backups.location import RepositoryLocation, repository_location

Progress = Callable[[int], None]


@dataclass(frozen=True)
class StoredObject:
    """One file of the repository."""

    key: str
    size: int
    modified_at: datetime


class BackupStorage(Protocol):
    """What the repository needs from where it keeps its files."""

    def describe(self) -> str: ...

    def upload(self, key: str, source: Path, progress: Progress | None = None) -> None: ...

    def download(self, key: str, target: Path, progress: Progress | None = None) -> None: ...

    def read(self, key: str) -> bytes: ...

    def write(self, key: str, data: bytes) -> None: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> list[StoredObject]: ...

    def delete(self, key: str) -> None: ...

    def local_path(self, key: str) -> Path | None: ...


class DirectoryStorage:
    """A repository in a local (or mounted) directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"key outside the repository: {key}")
        return path

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def upload(self, key: str, source: Path, progress: Progress | None = None) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        with source.open("rb") as reader, partial.open("wb") as writer:
            _copy(reader, writer, progress)
            writer.flush()
            os.fsync(writer.fileno())
        partial.replace(target)

    def download(self, key: str, target: Path, progress: Progress | None = None) -> None:
        with self._path(key).open("rb") as reader, target.open("wb") as writer:
            _copy(reader, writer, progress)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def write(self, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(data)
        partial.replace(target)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> list[StoredObject]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        found = []
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                stat = path.stat()
                key = path.relative_to(self.root.resolve()).as_posix()
                found.append(StoredObject(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
        return found

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class BucketStorage:
    """A repository in an S3-compatible bucket (AWS S3, MinIO, Ceph, a loopback test server...)."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def local_path(self, key: str) -> Path | None:
        return None

    def upload(self, key: str, source: Path, progress: Progress | None = None) -> None:
        self._client.upload_file(str(source), self.bucket, self._key(key), Callback=progress)

    def download(self, key: str, target: Path, progress: Progress | None = None) -> None:
        self._client.download_file(self.bucket, self._key(key), str(target), Callback=progress)

    def read(self, key: str) -> bytes:
        try:
            found = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self._client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(self._key(key)) from exc
        body: bytes = found["Body"].read()
        return body

    def write(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def exists(self, key: str) -> bool:
        found = self._client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(key), MaxKeys=1)
        return any(item["Key"] == self._key(key) for item in found.get("Contents", []))

    def list(self, prefix: str) -> list[StoredObject]:
        strip = len(self._key(""))
        return [
            StoredObject(item["Key"][strip:], int(item["Size"]), item["LastModified"])
            for item in self._pages(self._key(prefix))
        ]

    def _pages(self, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._key(key))


def _copy(reader: Any, writer: Any, progress: Progress | None) -> None:
    while chunk := reader.read(1024 * 1024):
        writer.write(chunk)
        if progress is not None:
            progress(len(chunk))


def open_storage(settings: Settings, location: RepositoryLocation | None = None) -> BackupStorage:
    """The configured repository's storage."""
    where = location or repository_location(settings)
    if where.path is not None:
        where.path.mkdir(parents=True, exist_ok=True)
        return DirectoryStorage(where.path)
    assert where.bucket is not None
    return BucketStorage(_s3_client(settings), where.bucket, where.prefix)


def _s3_client(settings: Settings) -> Any:
    import boto3  # imported only when a bucket is configured: it takes a while to load

    backup = settings.backup
    return boto3.client(
        "s3",
        endpoint_url=backup.s3_endpoint_url,
        region_name=backup.s3_region,
        aws_access_key_id=backup.s3_access_key_id.get_secret_value() if backup.s3_access_key_id else None,
        aws_secret_access_key=(
            backup.s3_secret_access_key.get_secret_value() if backup.s3_secret_access_key else None
        ),
    )


def remove_tree(path: Path) -> None:
    """Remove a scratch directory, whoever owns what is inside."""
    shutil.rmtree(path, ignore_errors=True)
