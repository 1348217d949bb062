"""create_app(): lifespan, middleware order, routers. Wiring only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from aipair.auth.endpoints import keys_router
from aipair.auth.endpoints import router as auth_router
from aipair.config import Settings, load_settings
from aipair.db.urls import embedded_server, resolve_urls
from aipair.error_handlers import install_error_handlers
from aipair.gateway.endpoints import router as gateway_router
from aipair.health.endpoints import router as health_router
from aipair.observability.logging import configure_logging
from aipair.observability.middleware import RequestContextMiddleware
from aipair.runtime import start_runtime
from aipair.tenancy.endpoints import router as tenancy_router
from aipair.usage.endpoints import router as usage_router


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI application."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_json)
        server = embedded_server(settings) if settings.embedded else None
        started = server.ensure_running() if server else False
        runtime = await start_runtime(settings, resolve_urls(settings))
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.close()
            if server and started:
                server.stop()

    app = FastAPI(
        title="AI Pair Orchestrator",
        version="0.1.0",
        description="Multi-tenant, governed AI gateway and meeting processor.",
        lifespan=lifespan,
    )
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.http.max_body_bytes,
        max_upload_bytes=settings.http.max_upload_bytes,
    )
    install_error_handlers(app)
    for router in (health_router, auth_router, keys_router, tenancy_router, gateway_router, usage_router):
        app.include_router(router)
    return app
