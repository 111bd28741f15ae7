"""Examples of the SSRF guard (module federation_shim.addresses): which addresses we refuse."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from lectern.federation_shim.addresses import GuardedResolver, check_host, is_forbidden_address, parse_networks
from lectern.federation_shim.errors import ForbiddenAddress


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # carrier-grade NAT
        "169.254.169.254",  # cloud metadata
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",  # documentation
        "198.18.0.1",  # benchmarking
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    ],
)
def test_non_public_addresses_are_forbidden(address: str) -> None:
    assert is_forbidden_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "2a01:4f8::1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert not is_forbidden_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "::ffff:127.0.0.1", "0.0.0.0"])
def test_ip_literal_hosts_are_checked_before_connecting(host: str) -> None:
    with pytest.raises(ForbiddenAddress, match="non-public address"):
        check_host(host)
    check_host(host, allow_private_addresses=True)


def test_host_names_are_left_to_the_resolver() -> None:
    check_host("localhost")  # checked when resolved, not here


def test_allowed_networks_exempt_only_themselves() -> None:
    allowed = parse_networks("127.0.0.1/32, fd00::/8")
    check_host("127.0.0.1", allowed_networks=allowed)
    check_host("fd00::5", allowed_networks=allowed)
    with pytest.raises(ForbiddenAddress):
        check_host("127.0.0.2", allowed_networks=allowed)


def test_parse_networks_names_the_bad_entry() -> None:
    assert parse_networks(" ") == ()
    with pytest.raises(ValueError, match="'nope'"):
        parse_networks("10.0.0.0/8,nope")


class StubDNS(AbstractResolver):
    """A DNS stub answering fixed addresses per host name."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=address, port=port, family=family, proto=0, flags=0)
            for address in self.answers[host]
        ]

    async def close(self) -> None:
        pass


def test_resolver_refuses_a_name_if_any_of_its_addresses_is_forbidden() -> None:
    guard = GuardedResolver(inner=StubDNS({"mixed.test": ["93.184.216.34", "10.0.0.1"]}))
    with pytest.raises(ForbiddenAddress, match="mixed.test is at 10.0.0.1"):
        asyncio.run(guard.resolve("mixed.test", 443))


def test_resolver_passes_public_answers_through() -> None:
    guard = GuardedResolver(inner=StubDNS({"public.test": ["93.184.216.34", "2606:4700:4700::1111"]}))
    results = asyncio.run(guard.resolve("public.test", 443))
    assert [result["host"] for result in results] == ["93.184.216.34", "2606:4700:4700::1111"]


def test_resolver_checks_ipv6_link_local_answers_with_a_scope() -> None:
    guard = GuardedResolver(inner=StubDNS({"scoped.test": ["fe80::1%eth0"]}))
    with pytest.raises(ForbiddenAddress):
        asyncio.run(guard.resolve("scoped.test", 443))
