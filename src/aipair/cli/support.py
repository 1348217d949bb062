"""Shared plumbing of the command line: settings, the database lifetime, a system session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from aipair.auth.principal import Principal, system_principal
from aipair.cli.errors import USAGE, CliError
from aipair.composition import Runtime, start_runtime
from aipair.config import Settings, load_settings
from aipair.db.embedded import held
from aipair.db.engine import DbContext, transaction
from aipair.db.urls import DatabaseUrls, resolve_urls
from aipair.observability.logging import configure_logging
from aipair.ops.backups.wal import archiving_embedded_server
from aipair.tenancy.models import Role
from aipair.tenancy.service import TenancyService

T = TypeVar("T")


class PlatformNotInitialised(CliError):
    """``aipair init`` has not run yet."""

    def __init__(self) -> None:
        super().__init__("platform_not_initialised", "run `aipair init` first", exit_code=USAGE)


def settings() -> Settings:
    """Validated settings, with logging configured for a terminal."""
    loaded = load_settings()
    configure_logging("WARNING", loaded.log_json)
    return loaded


@contextmanager
def database(config: Settings, keep_running: bool = False) -> Iterator[DatabaseUrls]:
    """The database URLs; an embedded server is started when needed and stopped again afterwards unless
    another process came to use it meanwhile."""
    server = archiving_embedded_server(config) if config.embedded else None
    if server and keep_running:
        server.ensure_running()
        server = None
    with held(server):
        yield resolve_urls(config)


def run_async(config: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run ``work`` with a runtime on a live database, then close everything."""

    async def main(urls: DatabaseUrls) -> T:
        runtime = await start_runtime(config, urls)
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    with database(config) as urls:
        return asyncio.run(main(urls))


def as_operator(work: Callable[[Runtime, AsyncSession, Principal], Awaitable[T]]) -> T:
    """Run ``work`` as the platform's operator (the system principal) in one session on a live database."""

    async def run(runtime: Runtime) -> T:
        async with system_session(runtime) as (session, principal):
            return await work(runtime, session, principal)

    return run_async(settings(), run)


@asynccontextmanager
async def system_session(runtime: Runtime) -> AsyncIterator[tuple[AsyncSession, Principal]]:
    """A transaction as the platform's SUPER_ADMIN; requires ``aipair init``."""
    async with transaction(runtime.sessions, DbContext(platform_role=Role.SUPER_ADMIN)) as session:
        platform = await TenancyService.platform_company(session)
        if platform is None:
            raise PlatformNotInitialised()
        principal = system_principal(platform.id)
        yield session, principal
