"""The client's address behind reverse proxies: ``X-Forwarded-For`` is believed only from trusted ones.

Each proxy appends the address it received the request from, so the header is read from the right:
starting at the peer, every hop that is a trusted proxy hands over to the hop before it, and the first
hop that is not trusted is the client. A client can write anything into the header, but only to the
left of what the trusted proxies appended, so it can never choose its own address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(text: str) -> Address | None:
    value = text.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:5000
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: Sequence[Network]) -> str | None:
    """The client's address: the peer's, unless the peer is a trusted proxy that forwarded the request."""
    if peer is None or not proxies or not forwarded_for:
        return peer
    current = _parse(peer)
    if current is None or not _trusted(current, proxies):
        return peer
    for hop in reversed(forwarded_for.split(",")):
        address = _parse(hop)
        if address is None:
            break  # garbage the client wrote: the last trusted hop is as far as the chain is known
        current = address
        if not _trusted(address, proxies):
            break
    return str(current)
