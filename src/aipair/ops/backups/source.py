"""The database being backed up: how to reach it as the owner and for replication."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from aipair.config import Settings
from aipair.db.urls import DatabaseUrls, embedded_server, libpq
from aipair.ops.backups.pgtools import database_name


@dataclass(frozen=True)
class SourceDatabase:
    """libpq URLs of the owner (dumps, fingerprints) and of a role with REPLICATION (base backups)."""

    owner_url: str
    replication_url: str
    embedded: bool

    @property
    def database(self) -> str:
        return database_name(self.owner_url)

    def connect(self, *, autocommit: bool = True) -> psycopg.Connection:
        return psycopg.connect(self.owner_url, autocommit=autocommit, connect_timeout=10)


def source_database(settings: Settings, urls: DatabaseUrls) -> SourceDatabase:
    """The configured database (the embedded server must run)."""
    owner = libpq(urls.owner)
    if settings.backup.replication_url is not None:
        replication = libpq(settings.backup.replication_url.get_secret_value())
    elif settings.embedded:
        replication = embedded_server(settings).superuser_url()
    else:
        replication = owner
    return SourceDatabase(owner_url=owner, replication_url=replication, embedded=settings.embedded)


def server_facts(conn: psycopg.Connection) -> dict[str, str]:
    """Version, system identifier and WAL segment size of a server."""
    row = conn.execute(
        "SELECT current_setting('server_version'), (SELECT system_identifier::text FROM pg_control_system()),"
        " current_setting('wal_segment_size')"
    ).fetchone()
    assert row is not None
    return {"server_version": row[0], "system_identifier": row[1], "wal_segment_size": row[2]}


def size_in_bytes(setting: str) -> int:
    """``16MB`` as bytes."""
    units = {"kB": 1024, "MB": 1024**2, "GB": 1024**3}
    for unit, factor in units.items():
        if setting.endswith(unit):
            return int(setting.removesuffix(unit)) * factor
    return int(setting)


def user_tables(conn: psycopg.Connection) -> list[str]:
    """Every ordinary table outside the system schemas, as ``schema.table``, sorted."""
    rows = conn.execute(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p')"
        " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
        " ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]
