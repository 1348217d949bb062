"""create_app(): lifespan, middleware order, routers. Wiring only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from aipair.audit.endpoints import router as audit_router
from aipair.auth.endpoints import keys_router
from aipair.auth.endpoints import router as auth_router
from aipair.composition import Runtime, access_tokens, start_runtime
from aipair.config import Settings, load_settings
from aipair.db.embedded import held
from aipair.db.urls import resolve_urls
from aipair.edge import UnstorableInputGuard
from aipair.error_handlers import error_response, install_error_handlers
from aipair.gateway.dialect_endpoints import router as dialects_router
from aipair.gateway.endpoints import router as gateway_router
from aipair.gateway.fastpath import GatewayFastPath
from aipair.gateway.settings_endpoints import router as ai_settings_router
from aipair.health.endpoints import router as health_router
from aipair.meetings.endpoints import router as meetings_router
from aipair.observability.build import package_version
from aipair.observability.endpoints import router as metrics_router
from aipair.observability.instrumentation import Instrumentation
from aipair.observability.logging import configure_logging
from aipair.observability.middleware import RequestContextMiddleware
from aipair.observability.sampler import pool_usage
from aipair.observability.tracing import ProviderSpans, fastapi_telemetry, tracer_provider
from aipair.ops.backups.endpoints import router as backups_router
from aipair.ops.backups.wal import archiving_embedded_server
from aipair.ops.gauges import GaugeRefresher
from aipair.ops.incidents.endpoints import router as incidents_router
from aipair.ops.maintenance.endpoints import router as maintenance_router
from aipair.ops.maintenance.gate import MaintenanceGate
from aipair.ops.maintenance.state import MaintenanceState, maintenance_watcher
from aipair.security.endpoints import router as security_router
from aipair.support.endpoints import actions_router as support_actions_router
from aipair.support.endpoints import company_router as support_grants_router
from aipair.support.endpoints import staff_router as support_router
from aipair.support.middleware import SupportActionsMiddleware
from aipair.tenancy.endpoints import router as tenancy_router
from aipair.usage.endpoints import router as usage_router
from aipair.usage.platform_endpoints import router as platform_usage_router
from aipair.web.app import install_console
from aipair.web.routing import maintenance_page
from aipair.webhooks.endpoints import router as webhooks_router
from aipair.worker.background import background_worker


def allow_cross_origin_calls(app: FastAPI, origins: list[str]) -> None:
    """Let pages of ``origins`` call the API from browsers (nothing when there are none)."""
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["authorization", "content-type", "idempotency-key", "x-request-id"],
            allow_credentials=False,  # the API takes bearer tokens, never the console's cookies
            max_age=600,
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI application."""
    settings = settings or load_settings()
    instrumentation = Instrumentation(settings)
    tracing = tracer_provider(settings.tracing, package_version())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_json or settings.env == "production")
        # the embedded server is stopped on the way out when this process is the last one using it
        with held(archiving_embedded_server(settings) if settings.embedded else None):
            spans = ProviderSpans(tracing) if tracing is not None else None
            runtime = await start_runtime(settings, resolve_urls(settings), spans)
            app.state.services = runtime.services
            runtime.key_signals.start()  # stopped (and flushed) by runtime.close()
            watcher = maintenance_watcher(settings, runtime.database.connector, maintenance)
            await watcher.start()
            start_instrumentation(app, runtime)
            gauges = GaugeRefresher(runtime.sessions, runtime.incidents, maintenance)
            gauges.start()
            try:
                async with AsyncExitStack() as jobs:
                    if settings.worker.in_process:
                        worker = background_worker(
                            runtime.services, settings.worker, lambda: maintenance.active
                        )
                        await jobs.enter_async_context(worker)
                    yield
            finally:
                await gauges.stop()
                await instrumentation.stop()
                await watcher.stop()
                await runtime.close()
                if tracing is not None:
                    tracing.shutdown()  # exports what is still buffered

    def start_instrumentation(app: FastAPI, runtime: Runtime) -> None:
        engine, pool, router = runtime.engine, runtime.pg, runtime.gateway.router

        def pools() -> dict[str, dict[str, int]]:
            return pool_usage(engine.sync_engine.pool, settings.db_max_overflow, pool)

        def breakers() -> dict[str, str]:
            return {name: health.state.value for name, health in router.health().items()}

        instrumentation.start(pools, breakers, pool)
        app.state.build = instrumentation.build
        if instrumentation.http is not None:
            instrumentation.http.learn_paths(app)

    app = FastAPI(
        title="AI Pair Orchestrator",
        version="0.1.0",
        description="Multi-tenant, governed AI gateway and meeting processor.",
        lifespan=lifespan,
        # Metrics are Prometheus (observability/metrics.py); request spans only when tracing is configured
        # (FastAPI's native OpenTelemetry hooks would otherwise look for providers on every request).
        telemetry=fastapi_telemetry(tracing),
    )
    # Inside the request context (request id bound), outside the routes and their error handlers.
    app.add_middleware(SupportActionsMiddleware)
    # The hot /v1 routes straight to their endpoints (inside the request context, see its docstring).
    app.add_middleware(GatewayFastPath)
    # Characters the database cannot store are refused before any route (inside the request context).
    app.add_middleware(UnstorableInputGuard, render=error_response)
    # In front of every route, the /v1 fast path included; inside the request context (request id).
    maintenance = MaintenanceState()
    app.state.maintenance = maintenance
    app.add_middleware(
        MaintenanceGate, state=maintenance, tokens=lambda: access_tokens(settings), page=maintenance_page
    )
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.http.max_body_bytes,
        max_upload_bytes=settings.http.max_upload_bytes,
        metrics=instrumentation.http,
        activity=instrumentation.activity,
        max_ai_body_bytes=settings.http.max_ai_body_bytes,
    )
    allow_cross_origin_calls(app, settings.http.cors_origins)  # outermost: preflights answered first
    install_error_handlers(app)
    # The AI gateway first: routes are matched in order, and its calls are the hot path.
    routers = (
        gateway_router,
        dialects_router,
        health_router,
        metrics_router,
        auth_router,
        keys_router,
        tenancy_router,
        usage_router,
        platform_usage_router,
        ai_settings_router,
        webhooks_router,
    )
    audit_routers = (audit_router, support_actions_router, support_router, support_grants_router)
    ops_routers = (maintenance_router, incidents_router, backups_router)
    for router in (*routers, meetings_router, *audit_routers, security_router, *ops_routers):
        app.include_router(router)
    install_console(app)
    return app
