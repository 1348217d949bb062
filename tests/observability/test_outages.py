"""PostgreSQL stopped, PostgreSQL paused, Redis stopped, under a running ``aipair serve`` and ``aipair
worker``: clients get 503 ``database_unavailable`` with ``Retry-After`` within 2 s (never 500, never a
hang), ``/health/db`` answers within a second, service resumes by itself, and each process logs one line
per outage."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from bench.environment import redis_server

from aipair.db.embedded import EmbeddedPostgres
from tests.fixtures.live_gateway import free_port
from tests.observability.platform import (
    PASSWORD,
    Platform,
    data_directory,
    login,
    running_platform,
    samples,
    value,
)

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}], "max_tokens": 20}
BOUND_S = 2.0


@dataclass
class Answer:
    status: int
    code: str | None
    retry_after: str | None
    seconds: float


@dataclass
class Outage:
    """What clients saw during one outage and after it."""

    api: list[Answer] = field(default_factory=list)
    ai: list[Answer] = field(default_factory=list)
    login: list[Answer] = field(default_factory=list)
    health_db: list[Answer] = field(default_factory=list)
    keep_alive: list[int] = field(default_factory=list)
    recovered_in_s: float = 0.0
    after: list[Answer] = field(default_factory=list)


@dataclass
class Observed:
    platform: Platform
    stopped: Outage
    paused: Outage
    old_port: int
    new_port: int


def _answer(response: httpx.Response, started: float) -> Answer:
    error = (
        response.json().get("error", {})
        if response.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    return Answer(
        response.status_code,
        error.get("code"),
        response.headers.get("retry-after"),
        time.monotonic() - started,
    )


class Clients:
    """A signed-in owner and an API key of a fresh company."""

    def __init__(self, platform: Platform) -> None:
        slug = f"outage-{uuid.uuid4().hex[:6]}"
        owner = {"email": f"owner@{slug}.example", "password": PASSWORD}
        created = platform.admin.post(
            "/api/companies",
            json={"name": "Outage", "slug": slug, "plan": "ENTERPRISE", "status": "ACTIVE", "owner": owner},
        )
        assert created.status_code == 201, created.text
        self.url = platform.url
        self.http = httpx.Client(base_url=platform.url, timeout=30)
        self.token = login(self.http, owner["email"], PASSWORD, slug)
        self.email, self.slug = owner["email"], slug
        key = self.http.post(
            "/api/keys",
            json={"name": "k", "scopes": ["ai"]},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert key.status_code == 201, key.text
        self.key = key.json()["key"]

    def api(self) -> Answer:
        started = time.monotonic()
        return _answer(
            self.http.get("/api/limits", headers={"Authorization": f"Bearer {self.token}"}), started
        )

    def ai(self) -> Answer:
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {self.key}"}
        return _answer(self.http.post("/v1/chat/completions", json=CHAT, headers=headers), started)

    def login(self) -> Answer:
        started = time.monotonic()
        body = {"email": self.email, "password": PASSWORD, "company": self.slug}
        return _answer(self.http.post("/auth/login", json=body), started)

    def health_db(self) -> Answer:
        started = time.monotonic()
        return _answer(self.http.get("/health/db"), started)


def _keep_alive(url: str, paths: list[str]) -> list[int]:
    """Send ``paths`` one after the other on one connection; their statuses (fails if it was closed)."""
    host, port = url.removeprefix("http://").split(":")
    statuses = []
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        reader = sock.makefile("rb")
        for path in paths:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            status_line = reader.readline()
            assert status_line, "the server closed the connection"
            statuses.append(int(status_line.split()[1]))
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value_ = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value_)
                assert name.lower() != "connection" or "close" not in value_.lower(), "connection: close"
            reader.read(length)
    return statuses


def _during(clients: Clients, lasting_s: float = 3.0) -> Outage:
    """Requests during an outage, which lasts at least ``lasting_s`` (every process's probe sees it)."""
    started = time.monotonic()
    outage = Outage()
    for _ in range(3):
        outage.api.append(clients.api())
        outage.ai.append(clients.ai())
        outage.login.append(clients.login())
        outage.health_db.append(clients.health_db())
    outage.keep_alive = _keep_alive(clients.url, ["/health/db", "/health/db", "/health"])
    time.sleep(max(0.0, lasting_s - (time.monotonic() - started)))
    return outage


def _recovery(clients: Clients, outage: Outage, since: float) -> None:
    deadline = time.monotonic() + 30
    while clients.api().status != 200:
        assert time.monotonic() < deadline, "the server did not recover by itself"
        time.sleep(0.1)
    outage.recovered_in_s = time.monotonic() - since
    outage.after = [clients.ai() for _ in range(5)] + [clients.login(), clients.api()]


def _postgres_processes(data_dir: Path) -> list[int]:
    postmaster = int((data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                children.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return [postmaster, *children]


@pytest.fixture(scope="module")
def platform() -> Iterator[tuple[Platform, int]]:
    """The platform with a worker and Redis for shared rate limits; yields it and Redis's port."""
    port = free_port()
    with (
        data_directory("outages") as data_dir,
        redis_server(port) as url,
        running_platform(data_dir, AIPAIR_REDIS_URL=url) as served,
    ):
        yield served, port


@pytest.fixture(scope="module")
def observed(platform: tuple[Platform, int]) -> Observed:
    served, _ = platform
    return _outages(served, served.data_dir)


def _outages(platform: Platform, data_dir: Path) -> Observed:
    """PostgreSQL stopped then started on another port, then paused then resumed."""
    clients = Clients(platform)
    assert clients.ai().status == 200
    old_port = EmbeddedPostgres(data_dir).running_port()
    assert old_port is not None
    EmbeddedPostgres(data_dir).stop()
    stopped = _during(clients)
    new_port = free_port()
    restarted_at = time.monotonic()
    EmbeddedPostgres(data_dir, port=new_port).ensure_running()
    _recovery(clients, stopped, restarted_at)
    pids = _postgres_processes(data_dir)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        paused = _during(clients)
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    _recovery(clients, paused, time.monotonic())
    time.sleep(1.5)  # the worker polls and probes: give it time to see the database back
    clients.http.close()
    return Observed(platform, stopped, paused, old_port, new_port)


@pytest.mark.parametrize("which", ["stopped", "paused"])
def test_requests_answer_503_database_unavailable_with_retry_after_within_2s(
    observed: Observed, which: str
) -> None:
    outage: Outage = getattr(observed, which)
    for answer in (*outage.api, *outage.ai, *outage.login):
        assert answer.status == 503, answer
        assert answer.code == "database_unavailable", answer
        assert answer.retry_after is not None and int(answer.retry_after) >= 1, answer
        assert answer.seconds < BOUND_S, answer


@pytest.mark.parametrize("which", ["stopped", "paused"])
def test_health_db_answers_503_within_a_second(observed: Observed, which: str) -> None:
    for answer in getattr(observed, which).health_db:
        assert answer.status == 503 and answer.seconds < 1.0, answer


@pytest.mark.parametrize("which", ["stopped", "paused"])
def test_keep_alive_connections_stay_open_across_503s(observed: Observed, which: str) -> None:
    assert getattr(observed, which).keep_alive == [503, 503, 200]


@pytest.mark.parametrize("which", ["stopped", "paused"])
def test_service_resumes_without_a_restart_and_the_first_calls_succeed(
    observed: Observed, which: str
) -> None:
    outage: Outage = getattr(observed, which)
    assert outage.recovered_in_s < 10
    assert [a.status for a in outage.after] == [200] * 7, outage.after


def test_the_server_follows_the_embedded_database_to_its_new_port(observed: Observed) -> None:
    assert observed.new_port != observed.old_port
    assert EmbeddedPostgres(observed.platform.data_dir).running_port() == observed.new_port
    assert httpx.get(f"{observed.platform.url}/health/db").status_code == 200


def test_each_process_logs_one_line_per_outage_and_per_recovery(observed: Observed) -> None:
    for name in ("worker", "server"):
        log = observed.platform.log(name)
        assert log.count("database_unavailable ") + log.count('"database_unavailable"') == 2, log[-3000:]
        assert log.count("database_recovered") == 2, log[-3000:]
        assert "Traceback" not in log, log[-3000:]


def test_the_outages_are_counted_in_the_metrics(observed: Observed) -> None:
    scrape = samples(httpx.get(f"{observed.platform.url}/metrics").text)
    assert value(scrape, "aipair_db_errors_total", kind="unavailable") >= 6
    assert value(scrape, "aipair_db_up") == 1


# --- Redis ------------------------------------------------------------------------------------------


def test_redis_stopped_ai_calls_fall_back_to_local_limits_and_health_says_degraded(
    platform: tuple[Platform, int], observed: Observed
) -> None:
    served, port = platform  # after the database outages (``observed``): Redis goes last
    clients = Clients(served)
    assert clients.ai().status == 200
    assert served.admin.get("/health/integrations").json()["status"] == "ok"
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, timeout=10)
    answers = [clients.ai() for _ in range(5)]
    assert [a.status for a in answers] == [200] * 5, answers
    assert all(a.seconds < BOUND_S for a in answers), answers
    health = httpx.get(f"{served.url}/health/integrations")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["integrations"]["redis"]["fallback"] == "in-process rate limits"
    scrape = samples(httpx.get(f"{served.url}/metrics").text)
    assert value(scrape, "aipair_ratelimit_backend_up") == 0
    assert value(scrape, "aipair_ratelimit_degraded_total", action="local") >= 4
    log = served.log("server")
    assert log.count("ratelimit_backend_unavailable") == 1 and "Traceback" not in log
