"""WAL archived into the local spool, uploaded to a bucket repository (the server's archive command
only writes locally: it runs as the server's user with nothing but a shell)."""

from __future__ import annotations

from aipair.config import Settings
from aipair.ops.backups.location import repository_location, wal_archive_dir
from aipair.ops.backups.storage import open_storage
from aipair.ops.backups.walchain import WAL_PREFIX


def ship_wal(settings: Settings) -> int:
    """Upload every spooled WAL file (checksum first, then the segment) and remove it from the spool;
    returns how many were uploaded. Nothing to do for a repository on disk."""
    location = repository_location(settings)
    spool = wal_archive_dir(settings)
    if not location.is_s3 or not spool.is_dir():
        return 0
    storage = open_storage(settings, location)
    shipped = 0
    for path in sorted(spool.glob("*.gz")):
        checksum = path.with_name(path.name + ".sha256")
        if not checksum.exists():
            continue  # still being written: its checksum lands just before it
        storage.upload(f"{WAL_PREFIX}/{checksum.name}", checksum)
        storage.upload(f"{WAL_PREFIX}/{path.name}", path)
        path.unlink()
        checksum.unlink()
        shipped += 1
    return shipped
