"""A throw-away platform for benchmarks: embedded PostgreSQL, migrations, one company and key, processes."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx

from aipair.auth.schemas import ApiKeyCreate
from aipair.cli.support import system_session
from aipair.composition import start_runtime
from aipair.config import Settings
from aipair.db import migrate
from aipair.db.embedded import EmbeddedPostgres
from aipair.db.engine import DbContext, transaction
from aipair.db.urls import resolve_urls
from aipair.tenancy.models import Role
from aipair.tenancy.schemas import CompanyCreate, CustomLimits


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BenchPlatform:
    data_dir: Path
    settings: Settings
    api_key: str

    @property
    def postgres_pid(self) -> int:
        """The postmaster of the embedded server (its backends are its children)."""
        return int((self.data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])


async def _provision(settings: Settings) -> str:
    runtime = await start_runtime(settings, resolve_urls(settings))
    try:
        async with transaction(runtime.sessions, DbContext(platform_role=Role.SUPER_ADMIN)) as session:
            await runtime.platform.initialise(session, settings.platform)
        async with system_session(runtime) as (session, principal):
            limits = CustomLimits(
                requests_per_minute=1_000_000,
                ai_requests_per_hour=100_000_000,
                ai_requests_per_month=1_000_000_000,
            )
            company = (
                await runtime.tenancy.create_company(
                    session,
                    principal,
                    CompanyCreate(
                        name="Bench",
                        slug="bench",
                        plan="CUSTOM",
                        status="ACTIVE",
                        custom_limits=limits,
                        monthly_budget_usd=1_000_000,
                    ),
                )
            ).company
        from aipair.auth.principal import CompanyId, Principal

        owner = Principal(company_id=CompanyId(company.id), role=Role.OWNER, kind="user")
        async with transaction(runtime.sessions, owner.db_context()) as session:
            # Every governance window is live: key RPM/TPM and a key budget besides the company's.
            created = await runtime.api_keys.create(
                session,
                owner,
                ApiKeyCreate(
                    name="bench",
                    requests_per_minute=1_000_000,
                    tokens_per_minute=100_000_000,
                    monthly_budget_usd=Decimal(1_000_000),
                ),
            )
        return created.secret
    finally:
        await runtime.close()


@contextmanager
def bench_platform() -> Iterator[BenchPlatform]:
    """Embedded PostgreSQL in a temporary directory, migrated, with a company and an API key."""
    data_dir = Path(tempfile.mkdtemp(prefix="aipair-bench-"))
    server = EmbeddedPostgres(data_dir, port=0)
    server.ensure_running()
    try:
        settings = Settings(data_dir=data_dir, database_url=server.owner_url(), log_level="WARNING")  # type: ignore[arg-type]
        migrate.upgrade(resolve_urls(settings))
        key = asyncio.run(_provision(settings))
        yield BenchPlatform(data_dir, settings, key)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def wait_http(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if process.poll() is not None:
                raise RuntimeError(f"process for {url} exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up") from None
            time.sleep(0.1)


@contextmanager
def process(
    args: list[str], env: dict[str, str], health_url: str, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, waited for on ``health_url`` and terminated afterwards (stderr to ``log``)."""
    stderr = log.open("wb") if log is not None else subprocess.DEVNULL
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        try:
            wait_http(health_url, child)
        except RuntimeError:
            if log is not None:
                sys.stderr.write(log.read_text(errors="replace")[-3000:])
            raise
        yield child
    finally:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()


@contextmanager
def redis_server(port: int) -> Iterator[str]:
    """Debian's ``redis-server`` on loopback, without persistence; yields its URL."""
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout != b"PONG\n":
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIPAIR_")}
    env.update(extra)
    return env


PYTHON = sys.executable
