"""Point-in-time recovery, as an operator runs it: a base backup, time T noted, more writes and an
accidental delete, then a restore drill and a restore to T."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import psycopg
import pytest

from aipair.audit.chain import ChainReport, verify_chains
from aipair.config import BackupSettings
from aipair.db.raw import direct_connection
from aipair.db.urls import libpq
from aipair.ops.backups.restore import RecoveryTarget
from aipair.ops.backups.scratch import ScratchServer
from tests.fixtures.tenants import Tenant
from tests.ops.conftest import Source, aipair, populate

COUNTED = ("companies", "memberships", "users", "api_keys", "usage_events", "audit_logs")


def counts(conn: psycopg.Connection) -> dict[str, int]:
    found = {}
    for table in COUNTED:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        found[table] = row[0]
    return found


DEFAULT_ARCHIVE_TIMEOUT_S = BackupSettings().archive_timeout_s


@pytest.fixture
def default_archive_timeout(source: Source) -> Iterator[int]:
    """The source archives with the product's default ``archive_timeout`` (the other tests of the
    module use a shorter one so they wait less)."""
    with source.superuser() as conn:
        conn.execute(f"ALTER SYSTEM SET archive_timeout = '{DEFAULT_ARCHIVE_TIMEOUT_S}s'")
        conn.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 10  # the reload reaches the server's processes asynchronously
        while conn.execute("SHOW archive_timeout").fetchone() != (f"{DEFAULT_ARCHIVE_TIMEOUT_S}s",):
            assert time.monotonic() < deadline, "the server did not take the default archive_timeout"
            time.sleep(0.1)
    try:
        yield DEFAULT_ARCHIVE_TIMEOUT_S
    finally:
        with source.superuser() as conn:
            conn.execute("ALTER SYSTEM RESET archive_timeout")
            conn.execute("SELECT pg_reload_conf()")


async def test_restore_to_a_noted_time_brings_back_exactly_that_state(
    source: Source, populated: list[Tenant], base_backup: str, default_archive_timeout: int
) -> None:
    env = source.env(AIPAIR_BACKUP__ARCHIVE_TIMEOUT_S=str(default_archive_timeout))
    at_t = source.operations().mark().at  # `aipair backup mark`: a restore point with every table's state
    with source.owner() as conn:
        before = counts(conn)
        victim = populated[0].id
        victim_usage = conn.execute(
            "SELECT count(*) FROM usage_events WHERE company_id = %s", [victim]
        ).fetchone()

    later = await populate(source, companies=1, calls=2)  # more writes after T
    with source.owner() as conn:  # ... and an accident
        conn.execute("DELETE FROM usage_events WHERE company_id = %s", [victim])
        conn.execute("DELETE FROM api_keys WHERE company_id = %s", [victim])
        assert counts(conn)["companies"] == before["companies"] + 1

    drill = aipair(env, "backup", "drill", "--to-time", at_t.isoformat(sep=" "))
    report = drill.stdout
    assert "PASSED" in report, report
    assert re.search(r"tables compared \(rows and checksums\): (\d+), different: 0", report), report
    assert int(re.search(r"tables compared \(rows and checksums\): (\d+)", report).group(1)) >= 30  # type: ignore[union-attr]
    assert re.search(r"audit chains verified on the copy: [1-9]\d*, broken: 0", report), report
    rto = float(re.search(r"RTO\s+([\d.]+) s", report).group(1))  # type: ignore[union-attr]
    rpo = float(re.search(r"RPO\s+([\d.]+) s", report).group(1))  # type: ignore[union-attr]
    assert 0 < rto < 30 * 60
    assert rpo <= min(60, default_archive_timeout + 5), report

    target = source.settings.data_path / "restored-at-t"
    source.operations().restore_directory(target, RecoveryTarget(time=at_t))  # `backup restore --to-time`
    copy = ScratchServer(target)
    copy.configure({})
    copy.start()
    try:
        with psycopg.connect(copy.url(libpq(source.urls.owner))) as conn:
            assert counts(conn) == before
            restored_usage = conn.execute(
                "SELECT count(*) FROM usage_events WHERE company_id = %s", [victim]
            ).fetchone()
            assert restored_usage == victim_usage and victim_usage is not None and victim_usage[0] > 0
            assert conn.execute("SELECT 1 FROM companies WHERE id = %s", [later[0].id]).fetchone() is None
        chains = await audit_chains(copy.url(libpq(source.urls.owner)))
        assert chains and not any(chain.broken for chain in chains)
    finally:
        copy.stop()

    assert base_backup in [listed.manifest.label for listed in source.operations().backups()]
    with source.owner() as conn:
        drill_row = conn.execute("SELECT passed, rto_seconds, rpo_seconds FROM ops_drills").fetchone()
    assert drill_row is not None and drill_row[0] is True and drill_row[2] <= 60


async def audit_chains(url: str) -> list[ChainReport]:
    """Every company's audit chain in the database at ``url``, verified."""
    async with direct_connection(url) as conn:
        return await verify_chains(conn)
