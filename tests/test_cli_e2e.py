"""The two-command path on a fresh data directory: embedded PostgreSQL, migrations, init, serve."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aipair.db.embedded import EmbeddedPostgres, _bin_dir

AIPAIR = [sys.executable, "-m", "aipair"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    data = tmp_path_factory.mktemp("fresh")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
    env.update(
        AIPAIR_DATA_DIR=str(data),
        AIPAIR_EMBEDDED_DB_PORT=str(free_port()),
        AIPAIR_AUTH__ARGON2_MEMORY_KIB="1024",
        AIPAIR_AUTH__ARGON2_TIME_COST="1",
    )
    server = EmbeddedPostgres(Path(data), int(env["AIPAIR_EMBEDDED_DB_PORT"]))
    server.ensure_running()  # commands reuse a running server instead of starting their own
    yield env
    server.stop()


def aipair(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([*AIPAIR, *args], env=env, capture_output=True, text=True, timeout=120, input=stdin)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_upgrade_init_and_psql_on_the_embedded_server(fresh_env: dict[str, str]) -> None:
    assert "(was empty)" in aipair(fresh_env, "db", "upgrade")
    first = aipair(fresh_env, "init")
    assert "created" in first and "generated password (shown once)" in first
    again = aipair(fresh_env, "init")
    assert "exists" in again and "generated password" not in again
    assert "[x] 0001" in aipair(fresh_env, "db", "history")
    assert "(head)" in aipair(fresh_env, "db", "current")
    url = aipair(fresh_env, "db", "url").strip()
    psql = shutil.which("psql") or str(_bin_dir() / "psql")
    out = subprocess.run(
        [psql, url, "-At", "-c", "SELECT policyname FROM pg_policies WHERE tablename = 'companies'"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert "platform_super_admin" in out and "company_members" in out


def test_companies_and_users_from_the_console(fresh_env: dict[str, str]) -> None:
    aipair(fresh_env, "db", "upgrade")
    aipair(fresh_env, "init")
    aipair(
        fresh_env,
        "companies",
        "create",
        "--name",
        "Acme",
        "--slug",
        "acme-cli",
        "--owner-email",
        "owner@acme-cli.io",
        "--password-stdin",
        stdin="Sturdy-Pass-1234\n",
    )
    aipair(
        fresh_env,
        "users",
        "create",
        "--company",
        "acme-cli",
        "--email",
        "e@acme-cli.io",
        "--role",
        "EMPLOYEE",
    )
    listing = aipair(fresh_env, "users", "list", "--company", "acme-cli")
    assert "owner@acme-cli.io" in listing and "e@acme-cli.io" in listing
    aipair(fresh_env, "companies", "suspend", "acme-cli", stdin="y\n")
    assert "SUSPENDED" in aipair(fresh_env, "companies", "list")


def test_serve_brings_the_platform_up_and_health_db_answers_200(fresh_env: dict[str, str]) -> None:
    aipair(fresh_env, "db", "upgrade")
    assert "stopped" in aipair(fresh_env, "db", "stop")
    port = free_port()
    server = subprocess.Popen(
        [*AIPAIR, "serve", "--port", str(port)],
        env=fresh_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health/db", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.3)
        assert response.status_code == 200, response.text
        assert response.json()["database"]["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert EmbeddedPostgres(Path(fresh_env["AIPAIR_DATA_DIR"]), 0).running_port() is None


def test_serve_with_worker_says_where_it_answers_and_runs_the_jobs(
    fresh_env: dict[str, str], tmp_path: Path
) -> None:
    aipair(fresh_env, "db", "upgrade")
    port = free_port()
    out = tmp_path / "serve.out"
    with out.open("w") as stdout:
        server = subprocess.Popen(
            [*AIPAIR, "serve", "--port", str(port), "--with-worker"], env=fresh_env, stdout=stdout
        )
    try:
        deadline = time.monotonic() + 90
        while "succeeded" not in (jobs := aipair(fresh_env, "jobs", "list", "--name", "worker.prune_jobs")):
            assert server.poll() is None, out.read_text()
            assert time.monotonic() < deadline, f"no job ran: {jobs}"
            time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    banner = out.read_text()
    assert f"listening on http://127.0.0.1:{port}" in banner
    assert f"API docs  http://127.0.0.1:{port}/docs" in banner
    assert f"database  embedded PostgreSQL on 127.0.0.1:{fresh_env['AIPAIR_EMBEDDED_DB_PORT']}," in banner
    assert "worker    running in this process" in banner


def test_a_taken_port_is_one_line_naming_the_setting_that_moves_it(
    fresh_env: dict[str, str], tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = subprocess.run(
            [*AIPAIR, "serve", "--port", str(port)],
            env=fresh_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        elsewhere = {**fresh_env, "AIPAIR_DATA_DIR": str(tmp_path), "AIPAIR_EMBEDDED_DB_PORT": str(port)}
        upgrade = subprocess.run(
            [*AIPAIR, "db", "upgrade"], env=elsewhere, capture_output=True, text=True, timeout=120
        )
    assert serve.returncode == 1 and serve.stderr.strip().splitlines() == [
        f"error[port_in_use]: port {port} on 127.0.0.1 is taken: set AIPAIR_HTTP__PORT or pass --port, "
        "or stop what listens there"
    ]
    assert upgrade.returncode == 1 and len(upgrade.stderr.strip().splitlines()) == 1
    assert (
        f"error[port_in_use]: port {port}" in upgrade.stderr and "AIPAIR_EMBEDDED_DB_PORT" in upgrade.stderr
    )
