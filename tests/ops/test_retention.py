"""``aipair backup prune``: backups past the retention go, the newest of each kind stays, and so does
every WAL segment a kept base backup needs for point-in-time recovery."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from aipair.kit.clock import utcnow
from aipair.ops.backups.manifest import MANIFEST
from aipair.ops.backups.wal import SegmentName
from tests.fixtures.tenants import Tenant
from tests.ops.conftest import Source, aipair, switch_wal
from tests.ops.test_backup_verification import damaged_copy


def age(manifest: Path, days: int) -> None:
    """Make a backup look ``days`` older than it is (what a month of waiting would do)."""
    data = json.loads(manifest.read_text())
    for field in ("started_at", "finished_at"):
        data[field] = (utcnow() - timedelta(days=days)).isoformat()
    manifest.write_text(json.dumps(data))


def wal_segments(repo: Path) -> dict[str, SegmentName]:
    """The archived WAL segments of a repository, by file name."""
    found = {}
    for path in (repo / "wal").glob("*.gz"):
        segment = SegmentName.parse(path.name.removesuffix(".gz"))
        if segment is not None:
            found[path.name] = segment
    return found


def test_prune_keeps_the_newest_of_each_kind_and_the_wal_the_kept_backups_need(
    source: Source, populated: list[Tenant], base_backup: str
) -> None:
    operations = source.operations()
    operations.create("logical")
    newest = operations.create("physical")
    switch_wal(source)  # the newest base backup's WAL is in the archive
    repo = damaged_copy(source, "repo-retention")
    manifests = {p.parent.name: p for p in (repo / "backups").glob(f"*/{MANIFEST}")}
    kinds = {label: json.loads(path.read_text())["kind"] for label, path in manifests.items()}
    newest_logical = max(label for label, kind in kinds.items() if kind == "logical")
    for label, path in manifests.items():
        if label not in (newest.label, newest_logical):
            age(path, days=40)
    age(manifests[newest_logical], days=40)  # old, but the only logical one left: it stays
    first_needed = SegmentName.of_lsn(newest.timeline, newest.start_lsn, newest.segment_bytes)
    before = wal_segments(repo)
    assert any(segment < first_needed for segment in before.values())

    env = source.env(AIPAIR_BACKUP__REPOSITORY=str(repo))
    pruned = aipair(env, "backup", "prune").stdout

    left = {p.parent.name for p in (repo / "backups").glob(f"*/{MANIFEST}")}
    assert left == {newest.label, newest_logical}
    assert base_backup in pruned and base_backup not in left
    after = wal_segments(repo)
    assert after == {name: segment for name, segment in before.items() if segment >= first_needed}
    assert after  # the segments from the newest base backup on
    verified = aipair(env, "backup", "verify", newest.label)
    assert f"ok      {newest.label}" in verified.stdout
