"""Logical backups (``pg_dump -Fc``): restored into an empty database they equal the source, and the
runbook's ``pg_restore --list`` reads them."""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from aipair.db.embedded import OWNER_ROLE
from aipair.ops.backups.fingerprint import fingerprint
from aipair.ops.backups.pgtools import run
from tests.fixtures.tenants import Tenant
from tests.ops.conftest import Source, aipair, repository


def empty_database(source: Source, name: str) -> str:
    """A new, empty database on the source's server, owned by the owner role; its URL."""
    with source.superuser() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(OWNER_ROLE))
        )
    return source.server.url(OWNER_ROLE, source.urls.owner.split(":")[2].split("@")[0], name)


def test_a_dump_restored_into_an_empty_database_equals_the_source(
    source: Source, populated: list[Tenant]
) -> None:
    operations = source.operations()
    with source.owner() as original:  # nothing writes meanwhile: the dump sees this state
        expected = fingerprint(original)
    manifest = operations.create("logical")
    target = empty_database(source, "restored_logical")

    operations.restore_database(target)

    with psycopg.connect(target) as restored:
        assert fingerprint(restored, manifest.tables) == expected
    assert int(expected["public.companies"][0]) >= 3 and int(expected["public.audit_logs"][0]) > 0

    dump = repository(source) / "backups" / manifest.label / "aipair.dump"
    programs = aipair(source.env(), "db", "bin").stdout.strip()
    listing = run([f"{programs}/pg_restore", "--list", str(dump)])  # the runbook's line
    for table in ("companies", "memberships", "usage_events", "audit_logs"):
        assert f"TABLE DATA public {table} " in listing


def test_a_drill_of_a_dump_restores_it_into_a_scratch_cluster_and_compares(
    source: Source, populated: list[Tenant]
) -> None:
    manifest = source.operations().create("logical")
    assert int(manifest.fingerprint["public.companies"][0]) >= 2  # what the dump's snapshot held

    shown = aipair(source.env(), "backup", "drill", "--kind", "logical").stdout
    assert f"drill of {manifest.label}" in shown and "PASSED" in shown
    assert re.search(r"tables compared \(rows and checksums\): (\d+), different: 0", shown), shown
    assert re.search(r"audit chains verified on the copy: [1-9]\d*, broken: 0", shown), shown
    assert re.search(r"RTO\s+[\d.]+ s", shown) and re.search(r"RPO\s+[\d.]+ s", shown)
