"""Row-level security holds behind PgBouncer in transaction mode: the isolation tests, run again with the
application role connected through PgBouncer.

The tenant context is transaction-local (``set_config(..., true)``, i.e. ``SET LOCAL``), so a server
connection handed from one client to the next between transactions carries no tenant with it. The
pool is kept far smaller than the number of clients so that connections really are shared.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import psycopg
import pytest
from fastapi import FastAPI

from aipair.composition import Runtime
from aipair.config import Settings
from aipair.db.urls import DatabaseUrls, libpq, resolve_urls
from tests import test_isolation_http, test_isolation_sql
from tests.fixtures.database import app_on, initialised_runtime, migrated_urls
from tests.fixtures.pgbouncer import PgBouncer, pgbouncer
from tests.fixtures.tenants import Tenant
from tests.test_isolation_sql import app_conn  # noqa: F401  (a fixture of the tests collected below)

# Every isolation test, collected here a second time (new ones included) with the fixtures below.
for _module in (test_isolation_sql, test_isolation_http):
    globals().update({name: test for name, test in vars(_module).items() if name.startswith("test_")})


# These fixtures replace the session's ``urls`` and ``runtime`` for this module's tests. They are built
# from ``settings`` rather than from the session fixtures of the same name, which would resolve ``urls``
# to the routed one below.
@pytest.fixture(scope="module")
def bouncer(settings: Settings) -> Iterator[PgBouncer]:
    direct = migrated_urls(settings)
    with pgbouncer(direct.app, {direct.app_role: direct.app_password}) as running:
        yield running


@pytest.fixture(scope="module")
def urls(settings: Settings, bouncer: PgBouncer) -> DatabaseUrls:
    """The application role goes through PgBouncer; the owner (migrations, seeding) does not."""
    direct = resolve_urls(settings)
    return replace(direct, app=bouncer.route(direct.app))


@pytest.fixture(scope="module")
def pooled_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"db_pooler": "transaction"})


@pytest.fixture(scope="module")
async def runtime(pooled_settings: Settings, urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    """A runtime whose every pool connects through PgBouncer."""
    async with initialised_runtime(pooled_settings, urls) as routed:
        yield routed


@pytest.fixture(scope="module")
def app(pooled_settings: Settings, runtime: Runtime) -> FastAPI:
    return app_on(pooled_settings, runtime)


def test_the_tenant_context_never_outlives_its_transaction_on_a_shared_server_connection(
    urls: DatabaseUrls, bouncer: PgBouncer, tenant: Tenant, other_tenant: Tenant
) -> None:
    """Three times more clients than server connections, alternating between two companies: each
    transaction sees its own company only, and the next one on the same client sees nothing."""
    clients = [
        psycopg.connect(libpq(urls.app), autocommit=True, prepare_threshold=None)
        for _ in range(3 * bouncer.server_connections)
    ]
    backends: set[int] = set()
    try:
        for _ in range(3):
            for i, conn in enumerate(clients):
                company = (tenant, other_tenant)[i % 2].id
                with conn.transaction():
                    conn.execute("SELECT set_config('app.company_id', %s, true)", [str(company)])
                    assert {row[0] for row in conn.execute("SELECT id FROM companies")} == {company}
                    backends.add(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
                assert conn.execute("SELECT count(*) FROM companies").fetchone() == (0,)
                assert conn.execute("SELECT count(*) FROM memberships").fetchone() == (0,)
    finally:
        for conn in clients:
            conn.close()
    assert len(backends) <= bouncer.server_connections < len(clients)


def test_statements_through_the_pooler_are_bounded_by_the_roles_own_timeout(
    urls: DatabaseUrls, pooled_settings: Settings
) -> None:
    """Nothing is set at connect behind a transaction pooler: the role carries the statement timeout."""
    with psycopg.connect(libpq(urls.app), autocommit=True, prepare_threshold=None) as conn:
        shown = conn.execute("SHOW statement_timeout").fetchone()
    assert shown is not None and shown[0] == f"{pooled_settings.db_statement_timeout_ms // 1000}s"
