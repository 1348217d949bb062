"""``aipair report db`` on a server with ``pg_stat_statements``: the slowest statements, by mean time.

The embedded server does not ship the extension, so this runs Debian's PostgreSQL (installed by
``scripts/system-deps.sh``) with the library preloaded, as a production server would have it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from aipair.config import Settings
from aipair.db.embedded import give_to_server, server_user
from aipair.observability.db_report import RUNBOOK_SLOWEST, database_report
from tests.fixtures.live_gateway import free_port

RUNBOOK_AS_WRITTEN = """SELECT query, mean_time, calls
FROM pg_stat_statements
ORDER BY mean_time DESC
LIMIT 10;"""


def debian_postgres() -> Path:
    """The newest Debian PostgreSQL's programs."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    if not found:
        pytest.fail("Debian's PostgreSQL is missing: run scripts/system-deps.sh (package postgresql)")
    return found[-1].parent


def _as_server(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, user=server_user(), cwd="/", timeout=120)


@pytest.fixture(scope="module")
def statements_server() -> Iterator[str]:
    """A PostgreSQL server with ``pg_stat_statements`` preloaded and created; yields its URL."""
    bin_dir, root = debian_postgres(), Path(tempfile.mkdtemp(prefix="aipair-statements-"))
    pgdata, port = root / "pgdata", free_port()
    give_to_server(root)
    _as_server(str(bin_dir / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust", "--no-sync")
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        " -c shared_preload_libraries=pg_stat_statements"
    )
    pg_ctl = str(bin_dir / "pg_ctl")
    _as_server(pg_ctl, "-D", str(pgdata), "-l", str(root / "server.log"), "-o", options, "-w", "start")
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        yield url
    finally:
        _as_server(pg_ctl, "-D", str(pgdata), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_report_db_lists_the_slowest_statements_by_mean_time(
    statements_server: str, settings: Settings
) -> None:
    with psycopg.connect(statements_server, autocommit=True) as conn:
        for _ in range(3):
            conn.execute("SELECT pg_sleep(0.05)")
        conn.execute("SELECT count(*) FROM pg_class")
        slowest = database_report(conn, settings)[-1]
    assert slowest.title.startswith("Slowest statements") and RUNBOOK_SLOWEST in slowest.note
    assert slowest.columns == ["mean_ms", "calls", "total_ms", "query"]
    mean_ms, calls, _, query = slowest.rows[0]
    assert "pg_sleep" in query and calls == 3 and mean_ms >= 50
    assert any("pg_class" in row[3] for row in slowest.rows[1:])
    assert [row[0] for row in slowest.rows] == sorted((row[0] for row in slowest.rows), reverse=True)


def test_the_runbooks_slow_query_runs_in_its_current_form(statements_server: str) -> None:
    """The runbook's ``mean_time`` is ``mean_exec_time`` since PostgreSQL 13: the report prints the query
    that runs, and the old one fails as the report says."""
    with psycopg.connect(statements_server, autocommit=True) as conn:
        conn.execute("SELECT pg_sleep(0.02)")
        with pytest.raises(psycopg.errors.UndefinedColumn):
            conn.execute(RUNBOOK_AS_WRITTEN)
        rows = conn.execute(RUNBOOK_SLOWEST).fetchall()
    assert rows and any("pg_sleep" in row[0] for row in rows)
