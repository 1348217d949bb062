"""Which webhook targets are refused before anything is sent: the scheme, then every address the host
resolves to (loopback, private, link-local, CGNAT, metadata, and their IPv6 forms), unless allow-listed."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from aipair.webhooks.addresses import AddressPolicy, IPAddress
from aipair.webhooks.sender import TargetRefused, check_target, system_resolver

STRICT = AddressPolicy()


async def refusal(url: str, policy: AddressPolicy = STRICT, *, allow_http: bool = True) -> str | None:
    try:
        await check_target(url, policy, allow_http, system_resolver)
    except TargetRefused as refused:
        return refused.code
    return None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.1/hook",
        "http://localhost:8080/hook",  # a name that resolves to loopback
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://100.100.100.200/",
        "http://0.0.0.0:8000/",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a00:1]/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://[fc00::1]/",
        "http://[2002:7f00:1::1]/",  # 6to4 around 127.0.0.1
        "http://[64:ff9b::a00:1]/",  # NAT64 around 10.0.0.1
        "http://224.0.0.1/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f.1/",
    ],
)
async def test_internal_addresses_are_refused(url: str) -> None:
    assert await refusal(url) == "address_not_allowed"


async def test_a_public_address_is_accepted() -> None:
    assert await refusal("https://93.184.216.34/hook") is None
    assert await refusal("https://[2606:2800:220:1:248:1893:25c8:1946]/hook") is None


async def test_plain_http_is_refused_unless_allowed() -> None:
    assert await refusal("http://93.184.216.34/hook", allow_http=False) == "https_required"
    assert await refusal("https://93.184.216.34/hook", allow_http=False) is None


@pytest.mark.parametrize("url", ["ftp://93.184.216.34/", "https:///path", "not a url", "file:///etc/passwd"])
async def test_what_is_not_an_http_url_is_refused(url: str) -> None:
    assert await refusal(url) == "invalid_url"


async def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    async def mixed(host: str, port: int) -> list[IPAddress]:
        return [ip_address("93.184.216.34"), ip_address("10.1.2.3")]

    with pytest.raises(TargetRefused) as refused:
        await check_target("https://rebinding.example/hook", STRICT, False, mixed)
    assert refused.value.code == "address_not_allowed" and "10.1.2.3 is private" in refused.value.detail


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    assert await refusal("https://no-such-host.invalid/hook") == "address_not_allowed"


async def test_the_operator_allow_list_admits_named_networks_only() -> None:
    policy = AddressPolicy((ip_network("127.0.0.1/32"), ip_network("10.20.0.0/16")))

    assert await refusal("http://127.0.0.1:9000/hook", policy) is None
    assert await refusal("http://[::ffff:127.0.0.1]:9000/hook", policy) is None
    assert await refusal("http://10.20.3.4/hook", policy) is None
    assert await refusal("http://127.0.0.2:9000/hook", policy) == "address_not_allowed"
    assert await refusal("http://10.21.0.1/hook", policy) == "address_not_allowed"
    assert await refusal("http://169.254.169.254/", policy) == "address_not_allowed"
