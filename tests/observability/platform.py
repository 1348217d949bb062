"""The platform as an operator runs it: its own embedded PostgreSQL, ``aipair serve`` and ``aipair worker``
as processes of their own, mock upstreams as processes, and an HTTP client signed in as the SUPER_ADMIN."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from aipair.composition import start_runtime
from aipair.config import PlatformSettings, Settings
from aipair.db import migrate
from aipair.db.embedded import EmbeddedPostgres
from aipair.db.engine import DbContext, transaction
from aipair.db.urls import resolve_urls
from aipair.tenancy.models import Role
from tests.fixtures.live_gateway import free_port, providers_config
from tests.fixtures.processes import UpstreamProcess, gateway_env

ADMIN_EMAIL = "admin@aipair.local"
ADMIN_PASSWORD = "Sturdy-Platform-Pass-42"
PASSWORD = "Correct-Horse-42"
FAST = {
    "AIPAIR_AUTH__ARGON2_TIME_COST": "1",
    "AIPAIR_AUTH__ARGON2_MEMORY_KIB": "1024",
    "AIPAIR_AUTH__ARGON2_PARALLELISM": "1",
    "AIPAIR_LOG_LEVEL": "WARNING",
    "AIPAIR_GATEWAY__CACHE_TTL_S": "0.5",
}


@dataclass
class Platform:
    """A running platform: its URLs, data directory, logs, upstreams and the admin's client."""

    url: str
    data_dir: Path
    env: dict[str, str]
    upstreams: list[UpstreamProcess]
    logs: dict[str, Path]
    worker_metrics_url: str | None = None
    admin: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.admin = httpx.Client(base_url=self.url, timeout=30)
        token = login(self.admin, ADMIN_EMAIL, ADMIN_PASSWORD)
        self.admin.headers["Authorization"] = f"Bearer {token}"

    @property
    def postgres(self) -> EmbeddedPostgres:
        return EmbeddedPostgres(self.data_dir, port=0)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")


@contextmanager
def data_directory(prefix: str) -> Iterator[Path]:
    """A data directory under the system's temporary directory (not pytest's, whose root other test
    sessions of the machine reset to mode 0700, shutting the database's own user out)."""
    path = Path(tempfile.mkdtemp(prefix=f"aipair-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def login(client: httpx.Client, email: str, password: str, company: str | None = None) -> str:
    body = {"email": email, "password": password, **({"company": company} if company else {})}
    response = client.post("/auth/login", json=body)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def initialise(data_dir: Path) -> None:
    """``aipair db upgrade`` and ``aipair init``, in this process (the server must run)."""
    settings = Settings(
        data_dir=data_dir,
        platform=PlatformSettings(admin_password=ADMIN_PASSWORD),  # type: ignore[arg-type]
        log_level="WARNING",
    )
    urls = resolve_urls(settings)
    migrate.upgrade(urls)

    async def init() -> None:
        runtime = await start_runtime(settings, urls)
        try:
            async with transaction(runtime.sessions, DbContext(platform_role=Role.SUPER_ADMIN)) as session:
                await runtime.platform.initialise(session, settings.platform)
        finally:
            await runtime.close()

    asyncio.run(init())


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, f"{url} exited: {log.read_text(errors='replace')[-3000:]}"
        assert time.monotonic() < deadline, f"{url} did not come up"
        time.sleep(0.2)


def _spawn(args: list[str], env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "aipair", *args], env=env, stdout=log, stderr=log)


@contextmanager
def running_platform(
    data_dir: Path, *, workers: int = 1, worker: bool = True, **settings: str
) -> Iterator[Platform]:
    """Migrate and initialise a fresh platform in ``data_dir``, then serve it (and run a worker)."""
    server = EmbeddedPostgres(data_dir, port=0)
    server.ensure_running()
    with ExitStack() as stack:
        stack.callback(server.stop)
        upstreams = [UpstreamProcess(), UpstreamProcess()]
        for upstream in upstreams:
            stack.callback(upstream.stop)
        port, worker_port = free_port(), free_port()
        env = gateway_env(
            AIPAIR_DATA_DIR=str(data_dir),
            AIPAIR_EMBEDDED_DB_PORT="0",
            AIPAIR_PLATFORM__ADMIN_PASSWORD=ADMIN_PASSWORD,
            AIPAIR_GATEWAY__PROVIDERS=providers_config(
                upstreams[0].port, upstreams[1].port
            ).model_dump_json(),
            AIPAIR_WORKER__METRICS_PORT=str(worker_port),
            AIPAIR_WORKER__POLL_INTERVAL_S="0.2",
            **FAST,
            **settings,
        )
        initialise(data_dir)
        logs = {"server": data_dir / "server.log", "worker": data_dir / "worker.log"}
        serve = _spawn(
            ["serve", "--port", str(port), "--workers", str(workers)], env, _log(stack, logs["server"])
        )
        stack.callback(_stop, serve)
        wait_for(f"http://127.0.0.1:{port}/health", serve, logs["server"])
        worker_url = None
        if worker:
            runner = _spawn(["worker", "--concurrency", "2"], env, _log(stack, logs["worker"]))
            stack.callback(_stop, runner)
            worker_url = f"http://127.0.0.1:{worker_port}/metrics"
            wait_for(worker_url, runner, logs["worker"])
        platform = Platform(f"http://127.0.0.1:{port}", data_dir, env, upstreams, logs, worker_url)
        stack.callback(platform.admin.close)
        yield platform


def _log(stack: ExitStack, path: Path) -> IO[bytes]:
    return stack.enter_context(path.open("wb"))


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape: (name, sorted labels) → value."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(scrape: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: Any) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    wanted = {(k, str(v)) for k, v in labels.items()}
    return sum(v for (n, ls), v in scrape.items() if n == name and wanted <= set(ls))
