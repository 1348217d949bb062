"""With an OTLP endpoint configured, each request is a server span and each provider call a span inside it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from bench.mock_upstream import MockUpstream
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from aipair.config import Settings
from tests.fixtures.live_gateway import gateway_settings, healthy_upstreams, live_gateway, upstreams  # noqa: F401
from tests.fixtures.tenants import Tenant

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}], "max_tokens": 10}


class Collector:
    """An OTLP/HTTP receiver on loopback: keeps every span it is sent."""

    def __init__(self) -> None:
        received: list[bytes] = []
        self.bodies = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(self.rfile.read(int(self.headers["content-length"])))
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def spans(self) -> list[object]:
        found = []
        for body in self.bodies:
            request = ExportTraceServiceRequest.FromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    found.extend(scope.spans)
        return found


@pytest.fixture
def collector() -> Iterator[Collector]:
    receiver = Collector()
    yield receiver
    receiver.server.shutdown()


async def test_a_request_and_its_provider_call_are_exported_as_one_trace(
    settings: Settings,
    upstreams: tuple[MockUpstream, MockUpstream],  # noqa: F811
    healthy_upstreams: None,  # noqa: F811
    tenant: Tenant,
    collector: Collector,
) -> None:
    traced = gateway_settings(settings, upstreams)
    traced = traced.model_copy(
        update={"tracing": traced.tracing.model_copy(update={"otlp_endpoint": collector.url})}
    )
    with live_gateway(traced) as gateway:
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
            body = {"name": "traced", "scopes": ["ai"]}
            created = await http.post("/api/keys", json=body, headers=tenant.auth("ADMIN"))
            headers = {"Authorization": f"Bearer {created.json()['key']}"}
            answer = await http.post("/v1/chat/completions", json=CHAT, headers=headers)
            assert answer.status_code == 200, answer.text
    # The gateway stopped: its batch of spans was exported on the way out.
    spans = collector.spans()
    provider = [s for s in spans if s.name == "provider openai"]  # type: ignore[attr-defined]
    assert len(provider) == 1, [s.name for s in spans]  # type: ignore[attr-defined]
    call = provider[0]
    parent = [s for s in spans if s.span_id == call.parent_span_id]  # type: ignore[attr-defined]
    assert len(parent) == 1 and parent[0].trace_id == call.trace_id  # type: ignore[attr-defined]
    request = {a.key: a.value.string_value for a in parent[0].attributes}  # type: ignore[attr-defined]
    assert request["url.path"] == "/v1/chat/completions" and request["http.request.method"] == "POST"
    attributes = {a.key: a.value for a in call.attributes}  # type: ignore[attr-defined]
    assert attributes["gen_ai.request.model"].string_value == "gpt-4o-mini"
    assert attributes["aipair.ok"].bool_value is True


def test_without_an_endpoint_tracing_is_off(settings: Settings) -> None:
    from aipair.observability.tracing import fastapi_telemetry, tracer_provider

    assert settings.tracing.otlp_endpoint is None
    assert tracer_provider(settings.tracing, "test") is None
    assert fastapi_telemetry(None)["tracing"] is False
