"""Secrets generated once for a data directory (embedded database passwords, signing keys).

Production sets them through settings; a developer machine gets strong random values that survive
restarts, kept in ``<data_dir>/secrets.json`` with mode 0600.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def local_secret(data_dir: Path, name: str) -> str:
    """Return the secret ``name`` of this data directory, generating it on first use."""
    store = data_dir / "secrets.json"
    with file_lock(data_dir / ".secrets.lock"):
        values: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
        if name not in values:
            values[name] = secrets.token_urlsafe(32)
            _write(store, values)
        return values[name]


def replace_local_secret(data_dir: Path, name: str, value: str) -> None:
    """Store ``value`` as the secret ``name`` of this data directory (after a rotation)."""
    store = data_dir / "secrets.json"
    with file_lock(data_dir / ".secrets.lock"):
        values: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
        values[name] = value
        _write(store, values)


def _write(store: Path, values: dict[str, str]) -> None:
    """Replace the store atomically, readable by its owner only."""
    tmp = store.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, indent=2))
    os.chmod(tmp, 0o600)
    tmp.replace(store)
