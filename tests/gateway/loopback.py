"""A scriptable upstream on loopback: a real HTTP/1.1 server whose routes answer what each test says.

The provider adapters are tested over real sockets, through the same client the gateway uses. The API
follows respx's: ``upstream.post("/v1/chat/completions").respond(json=...)``, ``.mock(side_effect=[...])``,
``route.calls.last.request``, ``route.call_count``. A reply's ``content`` may be an async iterator
(sent chunked, part by part, for streams that stall or hang); :data:`HANG` never answers at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

__all__ = ["HANG", "LoopbackUpstream", "RecordedRequest", "Reply", "Route"]


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the upstream received it."""

    method: str
    target: str
    headers: dict[str, str]
    content: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query))


@dataclass
class Reply:
    """What to answer: a status, headers and a body (``json``, ``text`` or raw ``content``)."""

    status: int = 200
    json: Any = None
    text: str | None = None
    content: bytes | AsyncIterable[bytes] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> bytes | AsyncIterable[bytes]:
        if self.json is not None:
            self.headers.setdefault("content-type", "application/json")
            return orjson.dumps(self.json)
        if self.text is not None:
            self.headers.setdefault("content-type", "text/plain; charset=utf-8")
            return self.text.encode()
        return self.content if self.content is not None else b""


class _Hang:
    """Never answer (the connection stays open until the server stops)."""


HANG = _Hang()
Answer = Reply | _Hang | Callable[[RecordedRequest], Awaitable[Reply]]


@dataclass(frozen=True)
class Call:
    request: RecordedRequest


class Calls(list[Call]):
    @property
    def last(self) -> Call:
        return self[-1]


class Route:
    """One method and path; answers with its reply, or the next of its side effects."""

    def __init__(self) -> None:
        self.calls = Calls()
        self._default: Answer = Reply(404, json={"error": {"message": "route has no answer yet"}})
        self._queue: list[Answer] | None = None

    @property
    def call_count(self) -> int:
        return len(self.calls)

    @property
    def called(self) -> bool:
        return bool(self.calls)

    def respond(
        self,
        status: int = 200,
        *,
        json: Any = None,
        text: str | None = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Route:
        self._default = Reply(status, json=json, text=text, content=content, headers=dict(headers or {}))
        self._queue = None
        return self

    def mock(
        self, *, return_value: Answer | None = None, side_effect: Answer | Sequence[Answer] | None = None
    ) -> Route:
        if return_value is not None:
            self._default, self._queue = return_value, None
        if isinstance(side_effect, Sequence):
            self._queue = list(side_effect)
        elif side_effect is not None:
            self._default, self._queue = side_effect, None
        return self

    async def answer(self, request: RecordedRequest) -> Reply | _Hang:
        self.calls.append(Call(request))
        answer = self._queue.pop(0) if self._queue else self._default
        if isinstance(answer, Reply | _Hang):
            return answer
        return await answer(request)


class LoopbackUpstream:
    """The server; ``url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Route] = {}
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.url = ""
        self.connections = 0
        """Connections accepted so far (keep-alive reuse shows as fewer connections than requests)."""

    def route(self, method: str, path: str) -> Route:
        return self._routes.setdefault((method, path), Route())

    def post(self, path: str) -> Route:
        return self.route("POST", path)

    async def start(self) -> LoopbackUpstream:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        try:
            while request := await _read_request(reader):
                route = self._routes.get((request.method, request.path))
                reply = await route.answer(request) if route else Reply(418, text="no such route")
                if isinstance(reply, _Hang):
                    await asyncio.Event().wait()
                    return
                await _write_reply(writer, reply)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head[:-4].decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    content = await reader.readexactly(int(headers.get("content-length", "0")))
    return RecordedRequest(method, target, headers, content)


async def _write_reply(writer: asyncio.StreamWriter, reply: Reply) -> None:
    body = reply.body()
    head = [f"HTTP/1.1 {reply.status} X\r\n"] + [f"{k}: {v}\r\n" for k, v in reply.headers.items()]
    if isinstance(body, bytes):
        writer.write(("".join(head) + f"content-length: {len(body)}\r\n\r\n").encode() + body)
        await writer.drain()
        return
    writer.write(("".join(head) + "transfer-encoding: chunked\r\n\r\n").encode())
    async for part in body:
        writer.write(b"%x\r\n%s\r\n" % (len(part), part))
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()
