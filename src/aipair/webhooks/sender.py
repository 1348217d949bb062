"""One delivery attempt over HTTP to an address checked just before: resolve, check, connect to it.

The host name is resolved once per attempt; every address it resolves to must be allowed (a name that
mixes a public and a private address is refused), and the request is sent to the checked address
itself, with the original ``Host`` header and TLS server name, so nothing resolves the name a second
time between the check and the connection. Redirects are never followed, connections are never reused
(two names on one address must not share a TLS session), and the response body is never read.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from aipair.webhooks.addresses import AddressPolicy, IPAddress, parse_address

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]
RESOLVE_TIMEOUT_S = 5.0


class TargetRefused(Exception):
    """The URL may not be delivered to: ``code`` is ``https_required``, ``invalid_url`` or
    ``address_not_allowed``; ``detail`` (for the platform's logs) says which range or why."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Target:
    """A webhook URL and the checked address the attempt connects to."""

    url: httpx.URL
    address: IPAddress


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: the HTTP status (None without an answer) and a short outcome code."""

    status_code: int | None
    outcome: str
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        """Worth another attempt: no answer, a server error, 408 or 429 (not a refusal or a redirect)."""
        if self.status_code is None:
            return self.outcome in ("timeout", "connect_error")
        return self.status_code >= 500 or self.status_code in (408, 429)


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (none when it does not resolve within a few seconds)."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError):
        return []
    found = (parse_address(str(info[4][0]).split("%", 1)[0]) for info in infos)
    return list(dict.fromkeys(address for address in found if address is not None))


async def check_target(url: str, policy: AddressPolicy, allow_http: bool, resolver: Resolver) -> Target:
    """Parse ``url``, resolve its host and check every address; raise :class:`TargetRefused`."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise TargetRefused("invalid_url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise TargetRefused("invalid_url")
    if parsed.scheme == "http" and not allow_http:
        raise TargetRefused("https_required")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    literal = parse_address(parsed.host)
    addresses = [literal] if literal is not None else await resolver(parsed.host, port)
    if not addresses:
        raise TargetRefused("address_not_allowed", "the host does not resolve")
    for address in addresses:
        if (why := policy.refusal(address)) is not None:
            raise TargetRefused("address_not_allowed", f"{address} is {why}")
    return Target(parsed, addresses[0])


async def post(client: httpx.AsyncClient, target: Target, headers: dict[str, str], body: bytes) -> Outcome:
    """POST ``body`` to the checked address of ``target``; the response body is closed unread."""
    pinned = target.url.copy_with(host=str(target.address))
    named = parse_address(target.url.host) is None
    extensions = {"sni_hostname": target.url.host} if named and target.url.scheme == "https" else {}
    request = client.build_request(
        "POST",
        pinned,
        headers={**headers, "host": target.url.netloc.decode("ascii")},
        content=body,
        extensions=extensions,
    )
    started = time.monotonic()
    try:
        response = await client.send(request, follow_redirects=False, stream=True)
    except httpx.TimeoutException:
        return Outcome(None, "timeout", _since(started))
    except httpx.HTTPError:
        return Outcome(None, "connect_error", _since(started))
    await response.aclose()
    return Outcome(response.status_code, _outcome(response.status_code), _since(started))


def _outcome(status: int) -> str:
    if 200 <= status < 300:
        return "delivered"
    if 300 <= status < 400:
        return "redirect_not_followed"
    return "http_error"


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def webhook_client(timeout_s: float) -> httpx.AsyncClient:
    """The client deliveries go through: no redirects, no proxies from the environment, no reused
    connections."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
        headers={"user-agent": "aipair-webhooks/1"},
    )
