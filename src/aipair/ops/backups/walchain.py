"""Which archived WAL segments a restore needs, and whether the repository holds them intact."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from aipair.ops.backups.manifest import BackupManifest
from aipair.ops.backups.storage import BackupStorage
from aipair.ops.backups.wal import ArchivedSegment, SegmentName

WAL_PREFIX = "wal"


def archived_segments(storage: BackupStorage, segment_bytes: int) -> dict[SegmentName, ArchivedSegment]:
    """The complete WAL segments in the repository, by name."""
    found: dict[SegmentName, ArchivedSegment] = {}
    for item in storage.list(WAL_PREFIX):
        name = item.key.rsplit("/", 1)[-1]
        if not name.endswith(".gz"):
            continue
        segment = SegmentName.parse(name.removesuffix(".gz"), segment_bytes)
        if segment is not None:
            found[segment] = ArchivedSegment(segment, item.key, item.modified_at)
    return found


@dataclass(frozen=True)
class WalPlan:
    """The segments a restore of one backup replays from the archive, and what is wrong with them."""

    needed: list[SegmentName]
    problems: list[str]
    newest: ArchivedSegment | None


def plan_replay(
    storage: BackupStorage, manifest: BackupManifest, until: datetime | None, *, check_sums: bool = True
) -> WalPlan:
    """Segments after the backup's own WAL up to the newest archived one (or the first archived after
    ``until``), on the backup's timeline; a gap or a damaged segment is named as a problem."""
    size = manifest.segment_bytes
    archive = archived_segments(storage, size)
    first = SegmentName.of_lsn(manifest.timeline, manifest.end_lsn, size)
    mine = sorted(s for s in archive if s.timeline == manifest.timeline and s.number > first.number)
    if until is not None:
        after = [s for s in mine if archive[s].archived_at > until]
        mine = [s for s in mine if s.number <= after[0].number] if after else mine
    problems: list[str] = []
    needed: list[SegmentName] = []
    expected = first.number + 1
    for segment in mine:
        if segment.number != expected:
            missing = SegmentName(manifest.timeline, expected).name(size)
            problems.append(
                f"WAL segment {missing} is missing from the archive: a restore of {manifest.label}"
                f" would stop before it and lose everything written after"
            )
            break
        needed.append(segment)
        expected += 1
    if check_sums:
        problems += [p for s in needed if (p := _damaged(storage, archive[s], size))]
    return WalPlan(needed, problems, archive[needed[-1]] if needed else None)


def _damaged(storage: BackupStorage, item: ArchivedSegment, segment_bytes: int) -> str | None:
    name = item.segment.name(segment_bytes)
    try:
        expected = storage.read(item.key + ".sha256").split()[0].decode()
    except (FileNotFoundError, IndexError, KeyError, OSError):
        return f"WAL segment {name} has no checksum file"
    actual = hashlib.sha256(storage.read(item.key)).hexdigest()
    if actual != expected:
        return f"WAL segment {name} is damaged: SHA-256 {actual[:12]}… instead of {expected[:12]}…"
    return None
