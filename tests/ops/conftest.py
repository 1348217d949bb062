"""A database of its own for the backup tests: an embedded server that archives its WAL, populated
through the product (companies, members, API keys, AI calls, audit rows)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from aipair.app import create_app
from aipair.composition import Runtime, start_runtime
from aipair.config import AuthSettings, BackupSettings, Settings
from aipair.db import migrate
from aipair.db.embedded import EmbeddedPostgres
from aipair.db.engine import DbContext, transaction
from aipair.db.urls import DatabaseUrls, libpq, resolve_urls
from aipair.ops.backups.service import BackupOperations
from aipair.ops.backups.wal import archiving_embedded_server
from aipair.tenancy.models import Role
from tests.conftest import FAST_ARGON2
from tests.fixtures.tenants import Tenant, make_tenant, random_ip

ARCHIVE_TIMEOUT_S = 5  # low in the tests (the default is 30 s), so a drill does not wait long


@dataclass
class Source:
    """The backed-up database: its settings, URLs and running server."""

    settings: Settings
    urls: DatabaseUrls
    server: EmbeddedPostgres

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of ``aipair`` commands working on this database."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
        env.update(
            AIPAIR_DATA_DIR=str(self.settings.data_path),
            AIPAIR_BACKUP__ARCHIVE_TIMEOUT_S=str(ARCHIVE_TIMEOUT_S),
            AIPAIR_LOG_LEVEL="WARNING",
        )
        env.update(extra)
        return env

    def operations(self, settings: Settings | None = None) -> BackupOperations:
        """What ``aipair backup`` does, in this process (saves starting a command each time)."""
        return BackupOperations(settings or self.settings, self.urls)

    def owner(self) -> psycopg.Connection:
        return psycopg.connect(libpq(self.urls.owner), autocommit=True)

    def superuser(self) -> psycopg.Connection:
        return psycopg.connect(self.server.superuser_url(), autocommit=True)


def aipair(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "aipair", *args], env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert done.returncode == 0, f"aipair {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="session")
def source() -> Iterator[Source]:
    # Not pytest's tmp_path: another pytest run on the machine may close its root to other users,
    # and the server runs as one when the tests run as root.
    data = Path(tempfile.mkdtemp(prefix="aipair-backups-"))
    settings = Settings(
        env="test",
        data_dir=data,
        embedded_db_port=0,
        auth=AuthSettings(**FAST_ARGON2),  # type: ignore[arg-type]
        backup=BackupSettings(archive_timeout_s=ARCHIVE_TIMEOUT_S),
        log_level="WARNING",
    )
    server = archiving_embedded_server(settings)
    server.ensure_running()
    urls = resolve_urls(settings)
    migrate.upgrade(urls)
    yield Source(settings, urls, server)
    server.stop()
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
async def populated(source: Source) -> list[Tenant]:
    """Two companies with members, an API key each and a few AI calls (usage and audit rows)."""
    return await populate(source, companies=2, calls=3)


async def populate(source: Source, companies: int, calls: int) -> list[Tenant]:
    """Write through the product, then close it, so every buffered write is in the database."""
    async with running(source) as (runtime, client):
        tenants = [await make_tenant(runtime) for _ in range(companies)]
        for tenant in tenants:
            created = await client.post("/api/keys", json={"name": "ci"}, headers=tenant.auth("ADMIN"))
            key = created.json()["key"]
            for n in range(calls):
                answer = await client.post(
                    "/v1/chat/completions",
                    json={"model": "local", "messages": [{"role": "user", "content": f"Hello {n}."}]},
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert answer.status_code == 200, answer.text
    return tenants


class running:  # noqa: N801  (used as ``async with running(source)``)
    """A runtime and an HTTP client on the source database, closed (and drained) on exit."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.runtime: Runtime | None = None

    async def __aenter__(self) -> tuple[Runtime, httpx.AsyncClient]:
        self.runtime = await start_runtime(self.source.settings, self.source.urls)
        async with transaction(self.runtime.sessions, DbContext(platform_role=Role.SUPER_ADMIN)) as session:
            platform = self.source.settings.platform.model_copy(update={"admin_password": None})
            await self.runtime.platform.initialise(session, platform)
        app = create_app(self.source.settings)
        app.state.services = self.runtime.services
        transport = httpx.ASGITransport(app=app, client=(random_ip(), 40000))
        self.client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        return self.runtime, self.client

    async def __aexit__(self, *_: object) -> None:
        await self.client.aclose()
        assert self.runtime is not None
        await self.runtime.close()


@pytest.fixture(scope="session")
def base_backup(source: Source, populated: list[Tenant]) -> str:
    """A physical backup of the populated database; its label."""
    return source.operations().create("physical").label


def switch_wal(source: Source, times: int = 1) -> None:
    """Close the current WAL segment ``times`` times (a write in each), then wait until the server has
    archived the last one it closed."""
    with source.superuser() as conn:
        closed = ""
        for _ in range(times):
            conn.execute("SELECT txid_current()")
            row = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
            assert row is not None
            closed = row[0]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            query = "SELECT last_archived_wal >= %s, last_failed_wal, failed_count FROM pg_stat_archiver"
            state = conn.execute(query, [closed]).fetchone()
            if state is not None and state[0]:
                return
            time.sleep(0.1)
    raise AssertionError(f"the server did not archive {closed}: {state}")


def repository(source: Source) -> Path:
    return source.settings.data_path / "backups"
