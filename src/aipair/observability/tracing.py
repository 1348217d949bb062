"""Optional tracing with OpenTelemetry, exported over OTLP/HTTP when ``AIPAIR_TRACING__OTLP_ENDPOINT`` is set.

Each HTTP request gets a server span (FastAPI's own OpenTelemetry support, given our tracer provider) and
each call to an AI provider a client span inside it (provider, upstream model, outcome), recorded when
the call completes. Off by default, and then free: the SDK is not even imported, FastAPI's telemetry
stays off and the gateway calls no tracing code.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from fastapi.telemetry import TelemetryConfig

from aipair.config import TracingSettings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider


def tracer_provider(settings: TracingSettings, version: str) -> TracerProvider | None:
    """A provider exporting to the configured OTLP endpoint in batches, or None when tracing is off."""
    if not settings.otlp_endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBasedTraceIdRatio

    resource = Resource.create({"service.name": settings.service_name, "service.version": version})
    provider = TracerProvider(resource=resource, sampler=ParentBasedTraceIdRatio(settings.sample_ratio))
    exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint.rstrip("/") + "/v1/traces", timeout=5)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def fastapi_telemetry(provider: TracerProvider | None) -> TelemetryConfig:
    """FastAPI's ``telemetry`` option: request spans with our provider, nothing else (metrics are
    Prometheus, logs structlog)."""
    if provider is None:
        return {"tracing": False, "metrics": False, "logs": False}
    return {
        "tracing": True,
        "tracer_provider": provider,
        "metrics": False,
        "logs": False,
        "operation_spans": False,
        "auto_configure": False,
    }


class ProviderSpans:
    """One client span per provider call, a child of the request's span."""

    def __init__(self, provider: TracerProvider) -> None:
        self._tracer = provider.get_tracer("aipair.gateway")

    def upstream(self, provider: str, model: str, ok: bool, seconds: float) -> None:
        from opentelemetry.trace import SpanKind, Status, StatusCode

        end = time.time_ns()
        span = self._tracer.start_span(
            f"provider {provider}",
            kind=SpanKind.CLIENT,
            start_time=end - int(seconds * 1e9),
            attributes={"aipair.provider": provider, "gen_ai.request.model": model, "aipair.ok": ok},
        )
        if not ok:
            span.set_status(Status(StatusCode.ERROR))
        span.end(end_time=end)

    def fallback(self, provider: str) -> None:
        """Fallbacks show as the sequence of provider spans."""
