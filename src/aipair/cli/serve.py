"""``aipair serve``: the HTTP API."""

from __future__ import annotations

import typer


def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default from AIPAIR_HTTP__HOST)"),
    port: int | None = typer.Option(None, help="Port (default from AIPAIR_HTTP__PORT)"),
    workers: int = typer.Option(1, min=1, max=32, help="Worker processes"),
) -> None:
    """Serve the HTTP API (starts the embedded PostgreSQL when no database URL is set)."""
    import uvicorn

    from aipair.cli.support import settings

    config = settings()
    uvicorn.run(
        "aipair.app:create_app",
        factory=True,
        host=host or config.http.host,
        port=port or config.http.port,
        workers=workers,
        log_level="warning",
        access_log=False,
        proxy_headers=False,  # X-Forwarded-For is read only from trusted proxies (auth.trusted_proxies)
    )
