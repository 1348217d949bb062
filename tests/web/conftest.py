"""The console in a real browser: Debian's Chromium driven by Playwright, against ``aipair serve``
running as a process of its own (one per test module) in front of a mock upstream process."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from aipair.config import Settings
from tests.fixtures.live_gateway import providers_config
from tests.fixtures.processes import gateway_env, served_gateways, upstream_processes
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, SCREENSHOTS

LOGS = SCREENSHOTS.parent / "console-tests"


def console_env(settings: Settings, data_dir: Path, upstream_port: int) -> dict[str, str]:
    assert settings.database_url is not None
    return gateway_env(
        AIPAIR_ENV="test",
        AIPAIR_DATABASE_URL=settings.database_url.get_secret_value(),
        AIPAIR_DATA_DIR=str(data_dir),
        AIPAIR_LOG_LEVEL="INFO",
        AIPAIR_GATEWAY__PROVIDERS=providers_config(upstream_port, upstream_port).model_dump_json(),
        AIPAIR_GATEWAY__CACHE_TTL_S="0",
        AIPAIR_AUTH__ARGON2_TIME_COST="1",
        AIPAIR_AUTH__ARGON2_MEMORY_KIB="1024",
        AIPAIR_AUTH__ARGON2_PARALLELISM="1",
        AIPAIR_WORKER__POLL_INTERVAL_S="0.2",
    )


@pytest.fixture(scope="package")
def server_env(settings: Settings, data_dir: Path) -> Iterator[dict[str, str]]:
    with upstream_processes(1) as (upstream,):
        yield console_env(settings, data_dir, upstream.port)


@pytest.fixture(scope="package")
def console_url(server_env: dict[str, str], urls: object) -> Iterator[str]:
    """One ``aipair serve`` for the console's tests (the database is migrated first), and an
    ``aipair worker`` beside it, started together; both stop when the console's tests end, so that no
    other test shares the job queue with them."""
    with worker_process(server_env), served_gateways(server_env, 1) as (url,):
        yield url


@contextmanager
def worker_process(server_env: dict[str, str]) -> Iterator[None]:
    """An ``aipair worker`` processing the meetings uploaded through the console (its log is left in
    ``var/console-tests/worker.log``)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / "worker.log").open("wb")
    # Each chunk takes a while, so a person (and the test) can watch the state change in place.
    env = {**server_env, "AIPAIR_MEETINGS__CHUNK_DELAY_S": "2"}
    process = subprocess.Popen([sys.executable, "-m", "aipair", "worker"], env=env, stdout=log, stderr=log)
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the whole session (never downloaded: Debian's, see scripts/system-deps.sh)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
async def context(browser: Browser, console_url: str) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (no cookies) per test."""
    ctx = await browser.new_context(base_url=console_url, viewport=DESKTOP)
    ctx.set_default_timeout(15_000)
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()
