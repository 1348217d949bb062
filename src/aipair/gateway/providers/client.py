"""A lean HTTP/1.1 client for upstream providers: keep-alive pools on asyncio, nothing more.

Why not httpx: on the gateway's hot path its per-request machinery (request and header models, pool
bookkeeping, per-phase timeout scopes, trace hooks) cost about a millisecond of CPU per call, more than
everything else the gateway does. This client does only what provider calls need: ``POST``/``GET`` with
a ready body, ``Content-Length``, chunked and close-delimited responses (gzip/deflate decoded), event
streams read incrementally, TLS with the system trust store, a per-origin cap on connections and
keep-alive reuse. Redirects, cookies, proxies and HTTP/2 are not supported.

Failures raise :class:`TransportError` (:class:`TransportTimeout` for timeouts); the adapters translate
them into the gateway's error tree. Messages never contain request headers (they hold provider keys).
"""

from __future__ import annotations

import asyncio
import ssl
import time
import zlib
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

__all__ = [
    "Endpoint",
    "TransportError",
    "TransportTimeout",
    "UpstreamClient",
    "UpstreamResponse",
    "UpstreamStream",
    "encode_headers",
]

_HIGH_WATER = 256 * 1024  # stop reading from the socket while this much is buffered and unread
_MAX_HEAD = 64 * 1024
_DECODED = frozenset({"gzip", "deflate"})


class TransportError(Exception):
    """The upstream could not be reached or broke the protocol (the message names no header values)."""


class TransportTimeout(TransportError):
    """The upstream did not answer (or went silent) within the time allowed."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A parsed URL: where to connect and what to ask for."""

    origin: tuple[str, str, int]
    target: bytes
    host_header: bytes

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """``http(s)://host[:port]/path?query``; raises ``ValueError`` for anything else."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        default = 443 if parts.scheme == "https" else 80
        port = parts.port or default
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.hostname if port == default else f"{parts.hostname}:{port}"
        if ":" in parts.hostname:  # IPv6 literal
            host = f"[{parts.hostname}]" if port == default else f"[{parts.hostname}]:{port}"
        return cls((parts.scheme, parts.hostname, port), target.encode("ascii"), host.encode("idna"))


def encode_headers(headers: Mapping[str, str]) -> bytes:
    """Header lines for every request of a provider, encoded once (``Host``/``Content-Length`` are added)."""
    lines = []
    for name, value in headers.items():
        if any(c in name + value for c in "\r\n\0"):
            raise ValueError(f"header {name!r} holds a line break")
        lines.append(f"{name}: {value}\r\n".encode("latin-1"))
    return b"".join(lines)


class _Wire(asyncio.Protocol):
    """One TCP (or TLS) connection: buffers what arrives, wakes the reader, pauses a slow one."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass it

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and self.transport is not None and not self._paused:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait_for_data(self) -> None:
        """Wait until more bytes (or the end) arrive; raises when the connection ended."""
        if self.eof:
            raise TransportError("the upstream closed the connection")
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        self._waiter = asyncio.get_running_loop().create_future()
        await self._waiter

    def take(self, size: int) -> bytes:
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    @property
    def reusable(self) -> bool:
        """Open, idle and with nothing unexpected buffered."""
        return (
            not self.eof
            and not self.buffer
            and self.transport is not None
            and not self.transport.is_closing()
        )

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class _Connection:
    """A pooled connection and the request/response exchange over it."""

    __slots__ = ("idle_since", "origin", "wire")

    def __init__(self, origin: tuple[str, str, int], wire: _Wire) -> None:
        self.origin = origin
        self.wire = wire
        self.idle_since = 0.0

    async def read_line(self) -> bytes:
        wire = self.wire
        while True:
            end = wire.buffer.find(b"\r\n")
            if end >= 0:
                line = wire.take(end + 2)
                return line[:-2]
            if len(wire.buffer) > _MAX_HEAD:
                raise TransportError("the upstream sent an overlong line")
            await wire.wait_for_data()

    async def read_exactly(self, size: int) -> bytes:
        wire = self.wire
        while len(wire.buffer) < size:
            await wire.wait_for_data()
        return wire.take(size)

    async def read_some(self, limit: int) -> bytes:
        """Up to ``limit`` buffered bytes (waiting for some); b"" at the end of the stream."""
        wire = self.wire
        if not wire.buffer:
            if wire.eof:
                return b""
            try:
                await wire.wait_for_data()
            except TransportError:
                return b""
        return wire.take(limit)

    async def read_head(self) -> tuple[int, dict[str, str], bool]:
        """Status, headers (lower-case names) and whether the connection may be kept alive."""
        wire = self.wire
        while True:
            end = wire.buffer.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(wire.buffer) > _MAX_HEAD:
                raise TransportError("the upstream sent an oversized response head")
            await wire.wait_for_data()
        lines = wire.take(end + 4)[:-4].decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        try:
            status = int(rest[:3])
        except ValueError:
            raise TransportError("the upstream sent a malformed status line") from None
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if 100 <= status < 200:  # an interim answer: the real one follows
            return await self.read_head()
        keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        return status, headers, keep_alive


async def _body_chunks(
    conn: _Connection, headers: Mapping[str, str], status: int
) -> AsyncGenerator[bytes, None]:
    """The raw (still encoded) body: by Content-Length, chunked, or until the connection closes."""
    if status in (204, 304):
        return
    if "chunked" in headers.get("transfer-encoding", "").lower():
        async for part in _chunked(conn):
            yield part
    elif "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise TransportError("the upstream sent a malformed Content-Length") from None
        async for part in _exactly(conn, length):
            yield part
    else:
        while part := await conn.read_some(_HIGH_WATER):
            yield part


async def _whole_body(conn: _Connection, headers: Mapping[str, str], status: int) -> bytes:
    """The raw body at once (the common ``Content-Length`` case without a generator)."""
    length = headers.get("content-length")
    if (
        length is not None
        and length.isdigit()
        and "transfer-encoding" not in headers
        and status not in (204, 304)
    ):
        size = int(length)
        wire = conn.wire
        while len(wire.buffer) < size:
            if wire.eof:
                raise TransportError("the upstream closed the connection mid-body")
            await wire.wait_for_data()
        return wire.take(size)
    return b"".join([part async for part in _body_chunks(conn, headers, status)])


async def _chunked(conn: _Connection) -> AsyncIterator[bytes]:
    while size := await _chunk_size(conn):
        async for part in _exactly(conn, size):
            yield part
        if await conn.read_exactly(2) != b"\r\n":
            raise TransportError("the upstream sent a malformed chunk")
    while await conn.read_line():  # trailers, up to the blank line
        pass


async def _chunk_size(conn: _Connection) -> int:
    line = await conn.read_line()
    try:
        return int(line.split(b";", 1)[0].strip(), 16)
    except ValueError:
        raise TransportError("the upstream sent a malformed chunk") from None


async def _exactly(conn: _Connection, size: int) -> AsyncIterator[bytes]:
    """``size`` bytes of body, in the pieces they arrive in."""
    while size > 0:
        part = await conn.read_some(size)
        if not part:
            raise TransportError("the upstream closed the connection mid-body")
        size -= len(part)
        yield part


def _decoder(headers: Mapping[str, str]) -> zlib._Decompress | None:
    encoding = headers.get("content-encoding", "").lower()
    return zlib.decompressobj(32 + zlib.MAX_WBITS) if encoding in _DECODED else None


def _delimited(headers: Mapping[str, str]) -> bool:
    """Whether the body's end is known without the connection closing."""
    return "content-length" in headers or "chunked" in headers.get("transfer-encoding", "").lower()


@dataclass(slots=True)
class UpstreamResponse:
    """A complete response."""

    status: int
    headers: dict[str, str]
    content: bytes


class UpstreamStream:
    """A response whose body is read as it arrives; ``aclose()`` it (idempotent) when done.

    ``timeout_s`` bounds every wait for more of the body. The connection is reused only when the body
    was read to its end.
    """

    def __init__(
        self,
        client: UpstreamClient,
        conn: _Connection,
        status: int,
        headers: dict[str, str],
        keep_alive: bool,
        timeout_s: float,
    ) -> None:
        self.status = status
        self.headers = headers
        self._client = client
        self._conn: _Connection | None = conn
        self._keep_alive = keep_alive and _delimited(headers)
        self._timeout_s = timeout_s
        self._chunks = _body_chunks(conn, headers, status)
        self._decoder = _decoder(headers)

    async def aiter_bytes(self) -> AsyncGenerator[bytes, None]:
        """The decoded body, piece by piece; ends at the end of the body."""
        try:
            while True:
                try:
                    async with asyncio.timeout(self._timeout_s):
                        part = await anext(self._chunks)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    raise TransportTimeout("the upstream went silent mid-response") from None
                if self._decoder is not None:
                    part = self._decoder.decompress(part)
                if part:
                    yield part
            if self._decoder is not None and (tail := self._decoder.flush()):
                yield tail
            self._finish(reusable=self._keep_alive)
        finally:
            self._finish(reusable=False)

    async def aread(self) -> bytes:
        """The whole (remaining) decoded body."""
        return b"".join([part async for part in self.aiter_bytes()])

    async def aclose(self) -> None:
        """Release the connection (closed unless the body was read to its end)."""
        self._finish(reusable=False)
        await self._chunks.aclose()

    def _finish(self, *, reusable: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._client._release(conn, reusable=reusable)


class _OriginPool:
    """Idle connections of one origin and the count of those lent out, under a cap."""

    __slots__ = ("active", "idle", "waiters")

    def __init__(self) -> None:
        self.idle: deque[_Connection] = deque()
        self.active = 0
        self.waiters: deque[asyncio.Future[None]] = deque()


class UpstreamClient:
    """Keep-alive HTTP/1.1 connections to provider origins, shared by every adapter of the process.

    At most ``max_connections`` per origin are open at once; a request beyond that waits for one
    (within its own timeout). Idle connections are reused newest first and dropped after
    ``keepalive_s`` of idleness (servers close theirs, some without telling).
    """

    def __init__(
        self,
        *,
        max_connections: int = 256,
        connect_timeout_s: float = 5.0,
        keepalive_s: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._max = max_connections
        self._connect_timeout_s = connect_timeout_s
        self._keepalive_s = keepalive_s
        self._ssl = ssl_context
        self._pools: dict[tuple[str, str, int], _OriginPool] = {}
        self._closed = False

    async def request(
        self, method: str, endpoint: Endpoint, headers: bytes, body: bytes, *, timeout_s: float
    ) -> UpstreamResponse:
        """Send a request and read the whole response, all within ``timeout_s``."""
        try:
            async with asyncio.timeout(timeout_s):
                conn, status, head, keep_alive = await self._exchange(method, endpoint, headers, body)
                reusable = False
                try:
                    content = await _whole_body(conn, head, status)
                    reusable = keep_alive and _delimited(head)
                finally:
                    self._release(conn, reusable=reusable)
        except TimeoutError:
            raise TransportTimeout("the upstream did not answer in time") from None
        decoder = _decoder(head)
        if decoder is not None:
            content = decoder.decompress(content) + decoder.flush()
        return UpstreamResponse(status, head, content)

    async def open_stream(
        self, method: str, endpoint: Endpoint, headers: bytes, body: bytes, *, timeout_s: float
    ) -> UpstreamStream:
        """Send a request and return once the response head arrived (within ``timeout_s``)."""
        try:
            async with asyncio.timeout(timeout_s):
                conn, status, head, keep_alive = await self._exchange(method, endpoint, headers, body)
        except TimeoutError:
            raise TransportTimeout("the upstream did not answer in time") from None
        return UpstreamStream(self, conn, status, head, keep_alive, timeout_s)

    async def aclose(self) -> None:
        """Close every idle connection; connections still lent out close when released."""
        self._closed = True
        for pool in self._pools.values():
            while pool.idle:
                pool.idle.pop().wire.close()

    async def _exchange(
        self, method: str, endpoint: Endpoint, headers: bytes, body: bytes
    ) -> tuple[_Connection, int, dict[str, str], bool]:
        conn = await self._acquire(endpoint.origin)
        try:
            head = b"%s %s HTTP/1.1\r\nhost: %s\r\ncontent-length: %d\r\n%s\r\n" % (
                method.encode("ascii"),
                endpoint.target,
                endpoint.host_header,
                len(body),
                headers,
            )
            assert conn.wire.transport is not None
            conn.wire.transport.write(head + body if len(body) < 65536 else head)
            if len(body) >= 65536:
                conn.wire.transport.write(body)
            status, response_headers, keep_alive = await conn.read_head()
        except BaseException:
            self._release(conn, reusable=False)
            raise
        return conn, status, response_headers, keep_alive

    async def _acquire(self, origin: tuple[str, str, int]) -> _Connection:
        if self._closed:
            raise TransportError("the upstream client is closed")
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = _OriginPool()
        now = time.monotonic()
        while pool.idle:
            conn = pool.idle.pop()
            if conn.wire.reusable and now - conn.idle_since < self._keepalive_s:
                pool.active += 1
                return conn
            conn.wire.close()
        while pool.active >= self._max:
            waiter = asyncio.get_running_loop().create_future()
            pool.waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in pool.waiters:
                    pool.waiters.remove(waiter)
            if pool.idle:
                return await self._acquire(origin)
        pool.active += 1
        try:
            return await self._connect(origin)
        except BaseException:
            pool.active -= 1
            self._wake_one(pool)
            raise

    async def _connect(self, origin: tuple[str, str, int]) -> _Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        tls = self._tls() if scheme == "https" else None
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                _, wire = await loop.create_connection(
                    _Wire, host, port, ssl=tls, server_hostname=host if tls else None
                )
        except TimeoutError:
            raise TransportTimeout("connecting to the upstream timed out") from None
        except (OSError, ssl.SSLError) as exc:
            raise TransportError(f"could not connect to the upstream ({type(exc).__name__})") from None
        return _Connection(origin, wire)

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
            self._ssl.set_alpn_protocols(["http/1.1"])
        return self._ssl

    def _release(self, conn: _Connection, *, reusable: bool) -> None:
        pool = self._pools.get(conn.origin)
        if pool is None:  # pragma: no cover - pools are never removed
            conn.wire.close()
            return
        pool.active -= 1
        if reusable and not self._closed and conn.wire.reusable:
            conn.idle_since = time.monotonic()
            pool.idle.append(conn)
        else:
            conn.wire.close()
        self._wake_one(pool)

    @staticmethod
    def _wake_one(pool: _OriginPool) -> None:
        while pool.waiters:
            waiter = pool.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
