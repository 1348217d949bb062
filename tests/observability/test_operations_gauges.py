"""Backup age and maintenance state in the scrape: read from PostgreSQL, the same on every replica."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from aipair.db.urls import DatabaseUrls, libpq
from aipair.observability.repository import SNAPSHOT
from aipair.observability.snapshot import SnapshotCollector
from tests.observability.platform import samples, value

BACKUP = (
    "INSERT INTO ops_backups (id, label, kind, repository, started_at, finished_at, size_bytes, verified_ok)"
    " VALUES (gen_random_uuid(), %s, 'logical', 'file:///backups', %s, %s, 1, %s)"
)
WINDOW = (
    "INSERT INTO maintenance_windows (id, starts_at, ends_at, reason) VALUES (gen_random_uuid(), %s, %s, %s)"
)


@pytest.fixture
def owner(urls: DatabaseUrls) -> Iterator[psycopg.Connection[Any]]:
    """The owner in one transaction, rolled back afterwards (nothing here reaches other tests)."""
    with psycopg.connect(libpq(urls.owner)) as conn:
        conn.execute("SELECT set_config('app.platform_role', 'SUPER_ADMIN', true)")
        conn.execute("DELETE FROM ops_backups")
        yield conn
        conn.rollback()


def scrape(conn: psycopg.Connection[Any]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """What ``/metrics`` adds from the snapshot read in ``conn``'s transaction."""
    conn.execute("SELECT set_config('app.platform_role', '', true)")  # the scrape has no staff context
    rows = [(name, label, float(v)) for name, label, v in conn.execute(SNAPSHOT).fetchall()]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(rows))
    conn.execute("SELECT set_config('app.platform_role', 'SUPER_ADMIN', true)")
    return samples(generate_latest(registry).decode())


def test_backup_age_follows_the_newest_backup_that_did_not_fail_verification(
    owner: psycopg.Connection[Any],
) -> None:
    assert value(scrape(owner), "aipair_backup_last_success_timestamp_seconds") == 0  # none yet: alert
    now = datetime.now(UTC)
    good, bad = now - timedelta(hours=30), now - timedelta(hours=2)
    owner.execute(BACKUP, ["nightly-1", good - timedelta(minutes=5), good, True])
    owner.execute(BACKUP, ["nightly-2", bad - timedelta(minutes=5), bad, False])  # failed verification
    assert value(scrape(owner), "aipair_backup_last_success_timestamp_seconds") == pytest.approx(
        good.timestamp(), abs=0.01
    )
    fresh = now - timedelta(minutes=1)
    owner.execute(BACKUP, ["nightly-3", fresh - timedelta(minutes=5), fresh, None])  # not verified yet
    assert value(scrape(owner), "aipair_backup_last_success_timestamp_seconds") == pytest.approx(
        fresh.timestamp(), abs=0.01
    )


def test_maintenance_is_active_only_inside_a_window(owner: psycopg.Connection[Any]) -> None:
    now = datetime.now(UTC)
    owner.execute(WINDOW, [now + timedelta(days=3), now + timedelta(days=3, hours=1), "announced"])
    assert value(scrape(owner), "aipair_maintenance_active") == 0
    owner.execute(WINDOW, [now - timedelta(minutes=5), now + timedelta(minutes=30), "in progress"])
    assert value(scrape(owner), "aipair_maintenance_active") == 1
