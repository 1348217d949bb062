"""A worker inside another process (``aipair serve --with-worker``): the same runner as ``aipair worker``,
as a task of the server's event loop, stopped gracefully with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aipair.config import WorkerSettings
from aipair.kit.injection import ServiceRegistry
from aipair.worker.registry import load_registry
from aipair.worker.runner import Worker


@asynccontextmanager
async def background_worker(
    services: ServiceRegistry, settings: WorkerSettings, paused: Callable[[], bool] | None = None
) -> AsyncIterator[Worker]:
    """Run a worker until the block ends (starting no job while ``paused()``); running jobs get
    ``shutdown_grace_s`` to finish."""
    stop = asyncio.Event()
    worker = Worker(services, load_registry(), settings, concurrency=settings.concurrency, paused=paused)
    task = asyncio.create_task(worker.run(stop), name="background-worker")
    try:
        yield worker
    finally:
        stop.set()
        await task
