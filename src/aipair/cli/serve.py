"""``aipair serve``: the HTTP API, and with ``--with-worker`` the background jobs too."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from aipair.config import Settings


def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default from AIPAIR_HTTP__HOST)"),
    port: int | None = typer.Option(None, help="Port (default from AIPAIR_HTTP__PORT)"),
    workers: int = typer.Option(1, min=1, max=32, help="Worker processes"),
    with_worker: bool = typer.Option(
        False,
        "--with-worker",
        help="Also run background jobs in each server process (default AIPAIR_WORKER__IN_PROCESS)",
    ),
) -> None:
    """Serve the HTTP API (starts the embedded PostgreSQL when no database URL is set)."""
    import uvicorn

    from aipair.cli.errors import CliError
    from aipair.cli.support import settings
    from aipair.config.production import refuse_unsafe_production
    from aipair.kit.ports import port_is_free
    from aipair.observability.exposition import shared_metrics
    from aipair.ops.backups.wal import archiving_embedded_server

    if with_worker:
        os.environ["AIPAIR_WORKER__IN_PROCESS"] = "true"  # read by each server process's settings
    config = settings()
    refuse_unsafe_production(config)
    bind_host, bind_port = host or config.http.host, port or config.http.port
    if not port_is_free(bind_host, bind_port):
        raise CliError(
            "port_in_use",
            f"port {bind_port} on {bind_host} is taken: set AIPAIR_HTTP__PORT or pass --port, "
            "or stop what listens there",
        )
    if config.embedded:
        archiving_embedded_server(config).check_port()  # the application starts and stops it
    typer.echo(banner(config, bind_host, bind_port))
    with shared_metrics(config.metrics.multiprocess_dir, workers):  # one scrape shows every process
        uvicorn.run(
            "aipair.app:create_app",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers,
            log_level="warning",
            access_log=False,
            proxy_headers=False,  # X-Forwarded-For is read only from trusted proxies (auth.trusted_proxies)
        )


def banner(config: Settings, host: str, port: int) -> str:
    """What a person starting the server needs to know: where it answers, its database, its jobs."""
    from sqlalchemy.engine import make_url

    from aipair.cli.version import package_version

    base = f"http://{_reachable(host)}:{port}"
    if config.database_url is not None:
        database = make_url(config.database_url.get_secret_value())
        where = f"{database.host}:{database.port or 5432}/{database.database}"
    else:
        listens = f"127.0.0.1:{config.embedded_db_port}" if config.embedded_db_port else "a free port"
        where = f"embedded PostgreSQL on {listens}, data in {config.data_path / 'pgdata'}"
    if config.worker.in_process:
        jobs = f"running in this process ({config.worker.concurrency} at a time)"
    else:
        jobs = "none in this process: run `aipair worker` (or serve --with-worker), or jobs stay queued"
    return "\n".join(
        (
            f"aipair {package_version()} listening on {base}",
            f"  API docs  {base}/docs",
            f"  console   {base}/",
            f"  database  {where}",
            f"  worker    {jobs}",
            "  stop with Ctrl-C",
        )
    )


def _reachable(host: str) -> str:
    """The address to show for ``host``: loopback when the server listens on every interface."""
    import ipaddress

    try:
        return "127.0.0.1" if ipaddress.ip_address(host).is_unspecified else host
    except ValueError:  # a host name
        return host
