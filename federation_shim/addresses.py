"""Which IP addresses the shim may connect to when it fetches remote documents (SSRF defence).

Anyone can make us fetch a URL (a keyId, an actor id), so without a check they could point it at
our own loopback, the cloud metadata service at 169.254.169.254 or the private network. We refuse
every address that is not globally routable: private (RFC 1918, fc00::/7), carrier-grade NAT
(100.64.0.0/10), loopback, link-local, multicast, reserved, unspecified, documentation and
benchmarking ranges (the IANA special-purpose registries, RFC 6890, as Python's ``ipaddress``
knows them), plus IPv6 forms that embed an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, NAT64
``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo), judged by the address they embed.

Like Mastodon's ``ALLOWED_PRIVATE_ADDRESSES``, specific networks can be exempted
(``allowed_networks``, parsed with :func:`parse_networks`), e.g. a peer on the same private
network; ``allow_private_addresses=True`` exempts everything (local development and tests).

The check must happen where the connection is made, not before: a host that resolved to a public
address a moment ago may resolve to 127.0.0.1 now (DNS rebinding). :class:`GuardedResolver` is an
aiohttp resolver that refuses a host if *any* of its addresses is forbidden, so aiohttp connects
only to addresses that were checked. IP literals never reach a resolver (aiohttp connects to them
directly), so :func:`check_host` must be applied to each URL first. Mastodon does the same in its
socket class (``check_private_address`` in ``app/lib/request.rb``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from .errors import ForbiddenAddress

__all__ = [
    "GuardedResolver",
    "Network",
    "check_host",
    "ip_literal",
    "is_address_permitted",
    "is_forbidden_address",
    "parse_networks",
]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
Network = IPv4Network | IPv6Network


def is_forbidden_address(address: IPv4Address | IPv6Address) -> bool:
    """True if ``address`` is not a public unicast address we may connect to."""
    if isinstance(address, IPv6Address):
        embedded: IPv4Address | None = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and is_forbidden_address(embedded):
            return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def parse_networks(value: str) -> tuple[Network, ...]:
    """Parse ``"10.0.0.5/32, fd00::/8"`` (the format of Mastodon's ALLOWED_PRIVATE_ADDRESSES).

    Raises ValueError naming the entry that is not an address or network.
    """
    networks = []
    for entry in value.split(","):
        if entry.strip():
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError as error:
                raise ValueError(f"{entry.strip()!r} is not an IP address or network") from error
    return tuple(networks)


def ip_literal(host: str) -> IPv4Address | IPv6Address | None:
    """The IP address `host` is written as (brackets allowed), or None for a host name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _permitted(address: IPv4Address | IPv6Address, allow_private: bool, allowed_networks: Sequence[Network]) -> bool:
    if allow_private or not is_forbidden_address(address):
        return True
    return any(address.version == network.version and address in network for network in allowed_networks)


def is_address_permitted(
    address: str, allow_private_addresses: bool = False, allowed_networks: Sequence[Network] = ()
) -> bool:
    """True if we may connect to ``address`` (an IP address as text; anything else is refused)."""
    parsed = ip_literal(address)
    return parsed is not None and _permitted(parsed, allow_private_addresses, allowed_networks)


def check_host(host: str, *, allow_private_addresses: bool = False, allowed_networks: Sequence[Network] = ()) -> None:
    """Raise ForbiddenAddress if ``host`` is an IP literal we must not connect to.

    Host names pass: they are checked when resolved, by :class:`GuardedResolver`.
    """
    address = ip_literal(host)
    if address is not None and not _permitted(address, allow_private_addresses, allowed_networks):
        raise ForbiddenAddress(host, host, str(address))


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that only returns addresses we may connect to.

    Wraps ``inner`` (default: aiohttp's ThreadedResolver, i.e. getaddrinfo). Addresses in
    ``allowed_networks`` pass; with ``allow_private_addresses=True`` every address passes.
    """

    def __init__(
        self,
        *,
        allow_private_addresses: bool = False,
        allowed_networks: Sequence[Network] = (),
        inner: AbstractResolver | None = None,
    ) -> None:
        self.allow_private_addresses = allow_private_addresses
        self.allowed_networks = tuple(allowed_networks)
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = ThreadedResolver()
        results = await self._inner.resolve(host, port, family)
        for result in results:
            address = ip_literal(result["host"].split("%", 1)[0])
            if address is None or not _permitted(address, self.allow_private_addresses, self.allowed_networks):
                raise ForbiddenAddress(host, host, result["host"])
        return results

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()
