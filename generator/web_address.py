"""Whether a resource's `link` is a web address a browser and a Fediverse server can follow.

Stricter than `urllib.parse`, which splits nearly any text: an `http` or `https` scheme followed by `://`, a host that
is a DNS name (international names allowed, checked through IDNA), an IPv4 address or a bracketed IPv6 address, a
port from 1 to 65535 when one is given, no user name or password, and no space, control character or character
RFC 3986 leaves out of addresses (`<>"{}|\\^` and the backtick).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from lectern.generator.characters import describe, first_forbidden

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_NOT_IN_ADDRESSES = '<>"{}|\\^`'


def web_address_problem(value: str) -> str | None:
    """What makes `value` unfit as a resource's link (an http or https address with a valid host and port), or None."""
    bad = first_forbidden(value)
    if bad is not None:
        return f"it contains the invisible character {describe(bad)}"
    if any(char.isspace() for char in value):
        return "it contains a space (write %20 if the address really has one)"
    odd = next((char for char in value if char in _NOT_IN_ADDRESSES), None)
    if odd is not None:
        return f"it contains {odd!r}, which a web address cannot hold"
    try:
        parts = urlsplit(value)
    except ValueError:  # brackets around something that is not an IPv6 address
        return "the host name in brackets is not an IPv6 address"
    if parts.scheme.lower() not in ("http", "https") or not value[len(parts.scheme) :].startswith("://"):
        return "it does not start with https:// (or http://)"
    if parts.username is not None:
        return "it holds a user name or password before '@'"
    host = parts.hostname or ""
    if not _is_host(host, bracketed=parts.netloc.rpartition("@")[2].startswith("[")):
        return f"{host!r} is not a host name" if host else "it has no host name after https://"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return "the port after ':' must be a number from 1 to 65535"
    return None


def _is_host(host: str, bracketed: bool) -> bool:
    """A DNS name (international names allowed), an IPv4 address, or an IPv6 address in brackets."""
    if bracketed:
        try:
            return ipaddress.IPv6Address(host.partition("%")[0]) is not None
        except ValueError:
            return False
    name = host.removesuffix(".")
    if name.replace(".", "").isdigit():
        try:
            return ipaddress.IPv4Address(name) is not None
        except ValueError:
            return False
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_name.lower().split(".")
    return 0 < len(ascii_name) <= 253 and all(_HOST_LABEL.match(label) for label in labels)
