"""What the repository says about each backup: ``backups/<label>/aipair-manifest.json``.

The manifest is written last, after every file of the backup is stored, so a backup without one is
incomplete and never offered for a restore. It lists each file with its size and SHA-256, and for a
physical backup the WAL position and timeline it starts from. ``verification.json`` beside it holds
the outcome of the latest ``verify``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from aipair.kit.clock import utcnow
from aipair.ops.backups.storage import BackupStorage

MANIFEST = "aipair-manifest.json"
VERIFICATION = "verification.json"
BackupKind = Literal["physical", "logical"]


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str


@dataclass
class BackupManifest:
    """One backup in the repository."""

    label: str
    kind: BackupKind
    started_at: datetime
    finished_at: datetime
    files: list[StoredFile]
    server_version: str
    database: str
    system_identifier: str = ""
    timeline: int = 0
    start_lsn: str = ""
    end_lsn: str = ""
    segment_bytes: int = 16 * 1024 * 1024
    tables: list[str] = field(default_factory=list)
    # Rows and checksum of every table as the backup saw them (a logical backup's own snapshot).
    fingerprint: dict[str, list[str]] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"backups/{self.label}"

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def to_json(self) -> bytes:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat()
        return json.dumps(data, indent=2).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> BackupManifest:
        data: dict[str, Any] = json.loads(raw)
        data["started_at"] = datetime.fromisoformat(data["started_at"])
        data["finished_at"] = datetime.fromisoformat(data["finished_at"])
        data["files"] = [StoredFile(**f) for f in data["files"]]
        return cls(**data)


@dataclass(frozen=True)
class Verification:
    """The outcome of the latest ``verify`` of one backup."""

    verified_at: datetime
    ok: bool
    problems: list[str]

    def to_json(self) -> bytes:
        return json.dumps(
            {"verified_at": self.verified_at.isoformat(), "ok": self.ok, "problems": self.problems}
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Verification:
        data = json.loads(raw)
        return cls(datetime.fromisoformat(data["verified_at"]), bool(data["ok"]), list(data["problems"]))


def new_label(kind: BackupKind) -> str:
    """A sortable, unique-enough label: ``20261206T103000Z-physical``."""
    now = utcnow()
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{kind}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def stored_file(path: Path) -> StoredFile:
    return StoredFile(path.name, path.stat().st_size, sha256_of(path))


def read_manifests(storage: BackupStorage) -> list[BackupManifest]:
    """Every complete backup in the repository, oldest first."""
    found = []
    for item in storage.list("backups"):
        if item.key.endswith("/" + MANIFEST):
            found.append(BackupManifest.from_json(storage.read(item.key)))
    return sorted(found, key=lambda m: m.finished_at)


def read_verification(storage: BackupStorage, manifest: BackupManifest) -> Verification | None:
    key = manifest.key(VERIFICATION)
    return Verification.from_json(storage.read(key)) if storage.exists(key) else None


def find_manifest(
    storage: BackupStorage, label: str | None, kind: BackupKind | None = None
) -> BackupManifest:
    """The backup called ``label``, or the newest one (of ``kind``); :class:`LookupError` when none."""
    manifests = [m for m in read_manifests(storage) if kind is None or m.kind == kind]
    if label is not None:
        manifests = [m for m in manifests if m.label == label]
    if not manifests:
        raise LookupError(f"no backup {label}" if label else "the repository holds no backup yet")
    return manifests[-1]
