"""The parts of an HTTP request that signatures cover: target URI pieces and header values.

Both signature schemes name the same things differently: draft-cavage's ``(request-target)`` and
``host`` are RFC 9421's ``@request-target`` and ``@authority`` (RFC 9421 section 2.2, which
defers to RFC 9110 section 7.1 for the target URI and section 4.2.3 for normalising the
authority: lower-case host, default port dropped). This module computes them once, from the
full target URI *as received*: the path must be the raw, still percent-encoded path, or a
signature over ``/users/a%40b`` will not verify as ``/users/a@b``.

Header values follow RFC 9421 section 2.1 (and draft-cavage section 2.3): field names are
case-insensitive, values are trimmed, and a field sent several times is one value joined with
``", "``. :func:`headers_from_pairs` does that joining for raw (ASGI) header lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["TargetURI", "headers_from_pairs", "lowercase_headers"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class TargetURI:
    """A parsed absolute http(s) URI. Build with :meth:`parse`."""

    uri: str
    scheme: str
    host: str
    port: int | None
    raw_path: str
    query: str | None

    @classmethod
    def parse(cls, uri: str) -> TargetURI:
        """Parse ``uri``; raises ValueError if it is not an absolute http(s) URI."""
        parts = urlsplit(uri)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an absolute http(s) URI: {uri!r}")
        try:
            port = parts.port
        except ValueError as error:
            raise ValueError(f"bad port in {uri!r}") from error
        query = parts.query if parts.query or uri.split("#", 1)[0].endswith("?") else None
        return cls(uri, scheme, parts.hostname.lower(), port, parts.path, query)

    @property
    def authority(self) -> str:
        """``host[:port]``, lower-case, default port omitted, IPv6 in brackets."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port is None or self.port == _DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"

    @property
    def path(self) -> str:
        """The raw path, ``/`` when empty (RFC 9421 section 2.2.6)."""
        return self.raw_path or "/"

    @property
    def request_target(self) -> str:
        """Path and query as on the request line: ``/inbox?page=2``."""
        return self.path if self.query is None else f"{self.path}?{self.query}"


def lowercase_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A plain dict keyed by lower-case names; names differing only by case are joined."""
    result: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        result[key] = f"{result[key]}, {value.strip()}" if key in result else value.strip()
    return result


def headers_from_pairs(pairs: Iterable[tuple[str | bytes, str | bytes]]) -> dict[str, str]:
    """Join repeated fields of a raw header list (as in an ASGI scope) into one value each."""
    result: dict[str, str] = {}
    for raw_name, raw_value in pairs:
        name = raw_name.decode("latin-1") if isinstance(raw_name, bytes) else raw_name
        value = raw_value.decode("latin-1") if isinstance(raw_value, bytes) else raw_value
        key = name.lower()
        result[key] = f"{result[key]}, {value.strip()}" if key in result else value.strip()
    return result
