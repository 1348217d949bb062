"""Which addresses a webhook may reach: public unicast only, unless the operator's allow-list names them.

A customer chooses the URL, so the platform must not become their way into its own network: loopback,
private, link-local, carrier-grade NAT, cloud metadata, documentation, multicast and reserved ranges
are refused, in IPv4 and IPv6 alike, including IPv4 addresses wrapped in IPv6 (mapped, 6to4, Teredo,
NAT64) whose inner address is what the packets reach.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

METADATA = tuple(
    ip_network(net)
    for net in (
        "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack instance metadata
        "169.254.170.2/32",  # AWS container credentials
        "168.63.129.16/32",  # Azure host (a public address that only answers from inside Azure)
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "192.0.0.192/32",  # Oracle Cloud metadata
        "fd00:ec2::254/128",  # AWS metadata over IPv6
    )
)
CARRIER_GRADE_NAT = ip_network("100.64.0.0/10")
NAT64 = (ip_network("64:ff9b::/96"),)
LOCAL_NAT64 = ip_network("64:ff9b:1::/48")


@dataclass(frozen=True)
class AddressPolicy:
    """Refuses every address that is not public unicast, except those in ``allowed`` (the operator's
    ``AIPAIR_WEBHOOKS__ALLOWED_NETWORKS``)."""

    allowed: Sequence[IPNetwork] = ()

    def refusal(self, address: IPAddress) -> str | None:
        """Why ``address`` may not be reached (``loopback``, ``private``, ``metadata``...), or None."""
        reached = (_embedded_ipv4(address) if isinstance(address, IPv6Address) else None) or address
        if _in(self.allowed)(reached):
            return None
        if isinstance(reached, IPv6Address) and reached in LOCAL_NAT64:
            return "private"
        return next((name for name, holds in RANGES if holds(reached)), None)


def _in(networks: Sequence[IPNetwork]) -> Callable[[IPAddress], bool]:
    return lambda address: any(address in net for net in networks if net.version == address.version)


RANGES: tuple[tuple[str, Callable[[IPAddress], bool]], ...] = (
    ("metadata", _in(METADATA)),
    ("unspecified", lambda address: address.is_unspecified),
    ("loopback", lambda address: address.is_loopback),
    ("link_local", lambda address: address.is_link_local),
    ("carrier_grade_nat", _in((CARRIER_GRADE_NAT,))),
    ("multicast", lambda address: address.is_multicast),
    ("private", lambda address: address.is_private),
    ("reserved", lambda address: address.is_reserved or not address.is_global),
)
"""Checked in order: the first that holds names the refusal."""


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one carries to (mapped, 6to4, Teredo client, well-known NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in NAT64):
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def parse_address(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one (brackets of IPv6 URLs removed), else None."""
    try:
        return ip_address(host.strip("[]"))
    except ValueError:
        return None
