"""``aipair worker``: run background jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from aipair.config import Settings
    from aipair.db.urls import DatabaseUrls


def worker(
    concurrency: int | None = typer.Option(
        None, min=1, max=64, help="Jobs run at once (default AIPAIR_WORKER__CONCURRENCY)"
    ),
) -> None:
    """Run background jobs until SIGTERM or Ctrl-C (running jobs get a grace period to finish)."""
    import asyncio

    from aipair.cli.support import database, settings
    from aipair.config.production import refuse_unsafe_production
    from aipair.observability.logging import configure_logging

    config = settings()
    refuse_unsafe_production(config)
    configure_logging(config.log_level, config.log_json or config.env == "production")
    with database(config) as urls:
        asyncio.run(_work(config, urls, concurrency or config.worker.concurrency))


async def _work(config: Settings, urls: DatabaseUrls, concurrency: int) -> None:
    import asyncio
    import signal

    from aipair.composition import start_runtime
    from aipair.ops.maintenance.state import MaintenanceState, maintenance_watcher
    from aipair.worker.registry import load_registry
    from aipair.worker.runner import Worker

    runtime = await start_runtime(config, urls)
    maintenance = MaintenanceState()  # no job starts during a maintenance window
    watcher = maintenance_watcher(config, runtime.database.connector, maintenance)
    await watcher.start()
    runtime.key_signals.start()  # the meetings' AI calls are refused and signalled like any other
    registry = load_registry()
    _serve_metrics(config, registry.names)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        worker = Worker(
            runtime.services,
            registry,
            config.worker,
            concurrency=concurrency,
            paused=lambda: maintenance.active,
        )
        await worker.run(stop)
    finally:
        await watcher.stop()
        await runtime.close()


def _serve_metrics(config: Settings, job_names: list[str]) -> None:
    """The worker's build information and job series, served on its own port when one is set."""
    from prometheus_client import start_http_server

    from aipair.observability.build import read_build_info
    from aipair.observability.series import initialise_job_series

    read_build_info(config.build_revision).publish()
    initialise_job_series(job_names)
    if config.worker.metrics_port is not None:
        start_http_server(config.worker.metrics_port, addr=config.worker.metrics_host)
