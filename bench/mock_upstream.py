"""A fast mock of an OpenAI-compatible upstream on loopback, for tests and benchmarks.

A raw asyncio HTTP/1.1 server (keep-alive, Content-Length bodies) so the mock costs far less CPU than
the gateway it measures. Behaviour is steered over HTTP: ``POST /__control`` with
``{"fail_status": 500, "fail_count": 3, "delay_s": 0.2, "hang": false}`` (``model_status``
``{"gpt-x": 404}`` answers requests for one model with an error); ``GET /__stats`` counts calls.
With ``{"record_auth": true}`` every call's path and ``Authorization`` header are kept for ``GET /__auth``,
with ``{"record_bodies": true}`` every call's path, JSON body and ``anthropic-beta`` header for
``GET /__bodies``.
``POST /v1/messages`` answers in Anthropic's own shapes (:mod:`bench.mock_anthropic`).
Run standalone: ``python -m bench.mock_upstream --port 9100``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bench import mock_anthropic

CHAT = {
    "id": "chatcmpl-mock",
    "object": "chat.completion",
    "created": 0,
    "model": "mock",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello from the mock upstream."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
}
CHAT_BYTES = json.dumps(CHAT).encode()
MODEL_ERROR = b'{"error": {"message": "mock model error", "type": "invalid_request_error"}}'
STREAM_WORDS = ["Hello", " from", " the", " mock", " upstream", "."]


@dataclass
class Behaviour:
    """What the mock does next; shared by every connection."""

    fail_status: int = 0
    fail_count: int = 0
    delay_s: float = 0.0
    hang: bool = False
    stream_delay_s: float = 0.0
    usage: dict[str, int] = field(default_factory=dict)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    answers: list[str] = field(default_factory=list)
    tool_call: dict[str, str] = field(default_factory=dict)
    """``{"name": ..., "arguments": ...}``: chat answers call this tool instead of answering in text."""
    model_status: dict[str, int] = field(default_factory=dict)
    """Error statuses answered to requests for these models (an upstream that lacks them, or breaks)."""
    record_auth: bool = False
    auth_seen: list[dict[str, str | None]] = field(default_factory=list)
    record_bodies: bool = False
    bodies_seen: list[dict[str, Any]] = field(default_factory=list)


def _response(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    head = f"HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _stream_body(include_usage: bool) -> bytes:
    parts = []
    for i, word in enumerate(STREAM_WORDS):
        chunk = {
            "id": "chatcmpl-mock",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "mock",
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": word},
                    "finish_reason": "stop" if i == len(STREAM_WORDS) - 1 else None,
                }
            ],
        }
        parts.append(b"data: " + json.dumps(chunk).encode() + b"\n\n")
    if include_usage:
        usage = {
            "id": "chatcmpl-mock",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "mock",
            "choices": [],
            "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18},
        }
        parts.append(b"data: " + json.dumps(usage).encode() + b"\n\n")
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def _tool_call_answer(tool: dict[str, str], stream: bool) -> bytes:
    call = {"id": "call_mock1", "type": "function", "function": tool}
    usage = {"prompt_tokens": 30, "completion_tokens": 9, "total_tokens": 39}
    if not stream:
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
        return _response(200, json.dumps(dict(CHAT, choices=[choice], usage=usage)).encode())
    base = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0, "model": "mock"}
    deltas = [
        {"role": "assistant", "tool_calls": [{"index": 0, **call, "function": {**tool, "arguments": ""}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": tool["arguments"]}}]},
    ]
    chunks = [dict(base, choices=[{"index": 0, "delta": d, "finish_reason": None}]) for d in deltas]
    chunks.append(dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]))
    chunks.append(dict(base, choices=[], usage=usage))
    body = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"
    return _response(200, body, "text/event-stream")


class MockUpstream:
    """The server; ``start`` in the current loop or ``start_in_thread``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self.behaviour = Behaviour()
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def start_in_thread(self) -> int:
        """Run on a daemon thread with its own event loop; returns the port."""
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()

        threading.Thread(target=run, daemon=True, name="mock-upstream").start()
        ready.wait(10)
        return self.port

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                length, auth, beta = 0, None, None
                for line in lines[1:]:
                    name = line[:15].lower()
                    if name == "content-length:":
                        length = int(line[15:].strip())
                    elif name.startswith("authorization:"):
                        auth = line[14:].strip()
                    elif name.startswith("anthropic-beta:"):
                        beta = line[15:].strip()
                body = await reader.readexactly(length) if length else b""
                if not path.startswith("/__"):
                    self._record(path, auth, beta, body)
                answer = await self._handle(method, path, body)
                await self._write(writer, answer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()

    def _record(self, path: str, auth: str | None, beta: str | None, body: bytes) -> None:
        b = self.behaviour
        if b.record_auth:
            b.auth_seen.append({"path": path, "authorization": auth})
        if b.record_bodies:
            b.bodies_seen.append({"path": path, "body": json.loads(body or b"null"), "anthropic_beta": beta})

    async def _write(self, writer: asyncio.StreamWriter, answer: bytes) -> None:
        """Send the answer; an event stream goes out event by event when ``stream_delay_s`` is set."""
        delay = self.behaviour.stream_delay_s
        if not delay or b"text/event-stream" not in answer[:200]:
            writer.write(answer)
            await writer.drain()
            return
        head, _, body = answer.partition(b"\r\n\r\n")
        writer.write(head + b"\r\n\r\n")
        for event in body.split(b"\n\n"):
            if event:
                writer.write(event + b"\n\n")
                await writer.drain()
                await asyncio.sleep(delay)

    async def _handle(self, method: str, path: str, body: bytes) -> bytes:
        if path.startswith("/__"):
            return self._control(method, path, body)
        b = self.behaviour
        b.calls[path] = b.calls.get(path, 0) + 1
        if b.hang:
            await asyncio.sleep(3600)
        if b.delay_s:
            await asyncio.sleep(b.delay_s)
        if b.model_status and (status := self._model_status(body)):
            return _response(status, MODEL_ERROR)
        if b.fail_count > 0:
            b.fail_count -= 1
            return _response(
                b.fail_status or 500, b'{"error": {"message": "mock failure", "type": "server_error"}}'
            )
        return self._answer(path, body)

    def _control(self, method: str, path: str, body: bytes) -> bytes:
        b = self.behaviour
        if path == "/__control":
            for name, value in json.loads(body or b"{}").items():
                setattr(b, name, value)
            return _response(200, b"{}")
        if path == "/__stats":
            return _response(200, json.dumps(b.calls).encode())
        if path == "/__auth":
            return _response(200, json.dumps(b.auth_seen).encode())
        if path == "/__bodies":
            return _response(200, json.dumps(b.bodies_seen).encode())
        if method == "POST":  # /__hooks
            b.hooks.append(json.loads(body or b"{}"))
        return _response(200, json.dumps(b.hooks).encode())

    def _model_status(self, body: bytes) -> int:
        try:
            model = json.loads(body or b"{}").get("model")
        except (ValueError, AttributeError):
            return 0
        return int(self.behaviour.model_status.get(model, 0)) if isinstance(model, str) else 0

    def _answer(self, path: str, body: bytes) -> bytes:
        if path.endswith("/v1/messages"):
            return self._anthropic(json.loads(body or b"{}"))
        if path.endswith("/chat/completions"):
            request: dict[str, Any] = json.loads(body or b"{}")
            if self.behaviour.tool_call:
                return _tool_call_answer(self.behaviour.tool_call, bool(request.get("stream")))
            if request.get("stream"):
                include = bool((request.get("stream_options") or {}).get("include_usage"))
                return _response(200, _stream_body(include), "text/event-stream")
            if self.behaviour.usage:
                return _response(200, json.dumps(dict(CHAT, usage=self.behaviour.usage)).encode())
            if self.behaviour.answers:
                reply = dict(
                    CHAT,
                    choices=[
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": self.behaviour.answers.pop(0)},
                        }
                    ],
                )
                return _response(200, json.dumps(reply).encode())
            return _response(200, CHAT_BYTES)
        if path.endswith("/embeddings"):
            data = {
                "object": "list",
                "model": "mock",
                "usage": {"prompt_tokens": 5, "total_tokens": 5},
                "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
            }
            return _response(200, json.dumps(data).encode())
        if path.endswith("/audio/transcriptions"):
            return _response(200, b'{"text": "hello from the mock", "duration": 3.0}')
        if path.endswith("/models"):
            return _response(200, b'{"object": "list", "data": []}')
        return _response(404, b'{"error": {"message": "no such route", "type": "invalid_request_error"}}')

    def _anthropic(self, request: dict[str, Any]) -> bytes:
        if request.get("stream"):
            return _response(
                200, mock_anthropic.stream(request, self.behaviour.tool_call), "text/event-stream"
            )
        return _response(200, json.dumps(mock_anthropic.message(request, self.behaviour.tool_call)).encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    server = MockUpstream(port=args.port)

    async def run() -> None:
        await server.start()
        await asyncio.Event().wait()  # serve until interrupted

    started = time.time()
    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        print(f"mock upstream ran {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()
