"""Absolute http(s) URLs from untrusted input, checked by one parser before anything uses them.

Activity ids, actor ids, keyIds and every URL the shim is about to fetch go through :func:`parse_web_url`, so a
value that would make a later step raise (``urlsplit`` on ``http://[::1/x``, ``.port`` on ``http://h:99999/``,
the IDNA codec on ``http://a..b/x`` when connecting, UTF-8 encoding of a lone surrogate in SQLite or in a JSON
answer) is refused where it enters, as a value error with a reason.

The rules are those of a URL that can be fetched (RFC 3986 section 3, WHATWG URL's host parsing):

* a string of at most MAX_URL_LENGTH characters, encodable as UTF-8, without whitespace or control characters;
* scheme ``http`` or ``https``, no user information (no ActivityPub id has one; ``http://good@evil/`` only
  misleads a reader);
* a host that is an IP address (IPv6 in brackets, without a zone) or a domain name whose labels, once in their
  ASCII (IDNA) form, are 1 to 63 letters, digits, ``-`` or ``_`` and 253 characters in all (RFC 1035 section
  2.3.4); a trailing dot is refused;
* a port, if any, from 1 to 65535.

Two lenient helpers name the server of a URL that may not have been checked; the rule about the port is theirs:

* :func:`host_of` is the host *name*, never a port: what a person blocks or reads (`a.example` blocks
  `https://a.example:8443/`);
* :func:`server_of` is the *origin's* host and port (the default port dropped, as in :func:`authority_of`): what
  tells two servers apart, as a same-origin check or per-server accounting must (two test servers on one loopback
  address are two servers).

Both are "" for anything that is not an http(s) URL with a host.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import urlsplit

from yarl import URL

from .request_view import TargetURI

__all__ = [
    "MAX_URL_LENGTH",
    "authority_of",
    "host_of",
    "is_web_url",
    "parse_web_url",
    "server_of",
    "web_url_problem",
]

MAX_URL_LENGTH = 2048

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")  # the same as _LABEL_TEXT below
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f]")


_PORT = re.compile(r"(?::[0-9]*)?")


def _authority_problem(netloc: str) -> str | None:
    """Whether the authority is exactly ``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` (``[::1]x`` is not)."""
    if netloc.startswith("["):
        rest = netloc[netloc.find("]") + 1 :]
    else:
        rest = netloc[netloc.find(":") :] if ":" in netloc else ""
    return None if _PORT.fullmatch(rest) else "has characters after its host that are not a port"


def _host_problem(host: str) -> str | None:
    if "%" in host:
        return "the host has a percent sign (an IPv6 zone or an escape)"
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return f"{host!r} is not an IPv6 address"
        return None
    if not host.isascii():
        try:
            host = URL.build(scheme="http", host=host).raw_host or ""
        except (ValueError, UnicodeError):
            return f"{host!r} is not a valid international domain name"
    if len(host) > 253:
        return "the host name is longer than 253 characters"
    for label in host.split("."):
        if not _LABEL.fullmatch(label):
            return f"the host name {host!r} has an empty or invalid label"
    return None


# The common case, decided by one regular expression (1 µs instead of 6: every inbox request checks three URLs):
# a lower-case ASCII host name of valid labels, an optional non-zero port, then printable ASCII. Anything else takes
# the general path below, which accepts a superset of this.
_LABEL_TEXT = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_PLAIN_URL = re.compile(rf"https?://((?:{_LABEL_TEXT}\.)*{_LABEL_TEXT})(?::([1-9][0-9]{{0,4}}))?(?:[/?#][!-~]*)?")


def web_url_problem(value: object) -> str | None:
    """None when ``value`` is an acceptable absolute http(s) URL (see the module docstring), else why not."""
    if not isinstance(value, str):
        return "not a string"
    if len(value) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters"
    plain = _PLAIN_URL.fullmatch(value)
    if plain is not None and len(plain[1]) <= 253 and (plain[2] is None or int(plain[2]) <= 65535):
        return None
    return general_problem(value)


def general_problem(value: str) -> str | None:
    """`web_url_problem` without the fast path (tests check that the fast path accepts nothing this refuses)."""
    if _FORBIDDEN.search(value):
        return "contains whitespace or control characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        return f"cannot be parsed: {error}"
    if parts.scheme.lower() not in ("http", "https"):
        return "not an http(s) URL"
    if "@" in parts.netloc:
        return "has user information before the host"
    if not parts.hostname:
        return "has no host"
    if port == 0:
        return "has port 0"
    return _authority_problem(parts.netloc) or _host_problem(parts.hostname)


@functools.lru_cache(maxsize=1024)
def authority_of(url: str) -> str:
    """``TargetURI.authority`` of an acceptable URL (lower-case host, default port dropped); ValueError naming the
    problem if ``url`` is not acceptable. Remembered for the last 1,024 URLs: the inbox asks it of every request's
    actor and keyId, and a sender uses the same ones again and again."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain is None or len(plain[1]) > 253 or len(url) > MAX_URL_LENGTH:
        return parse_web_url(url).authority
    host, port = plain[1], plain[2]
    if port is None or int(port) == (443 if url.startswith("https:") else 80):
        return host
    if int(port) > 65535:
        raise ValueError(f"{_shown(url)} is not a usable http(s) URL: port out of range")
    return f"{host}:{int(port)}"


def parse_web_url(value: object) -> TargetURI:
    """The parsed URL; ValueError naming the problem when ``value`` is not acceptable."""
    problem = web_url_problem(value)
    if problem is not None:
        raise ValueError(f"{_shown(value)} is not a usable http(s) URL: {problem}")
    assert isinstance(value, str)
    return TargetURI.parse(value)


def is_web_url(value: object) -> bool:
    return web_url_problem(value) is None


def _shown(value: object) -> str:
    """``value`` for an error message: bounded, and encodable whatever it holds."""
    text = repr(value)
    return text[:120] + ("..." if len(text) > 120 else "")


def host_of(url: object) -> str:
    """The lower-case host name of an http(s) URL, without its port; "" when there is none or it cannot be split
    (``http://[::1/x``)."""
    if not isinstance(url, str) or not url[:8].lower().startswith(("http://", "https://")):
        return ""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def server_of(url: object) -> str:
    """``host[:port]`` of an http(s) URL, lower-case, the scheme's default port dropped, IPv6 in brackets; "" when
    there is no host or the URL cannot be split."""
    host = host_of(url)
    if not host:
        return ""
    assert isinstance(url, str)
    try:
        port = urlsplit(url).port
    except ValueError:
        return ""
    shown = f"[{host}]" if ":" in host else host
    default = 443 if url[:6].lower() == "https:" else 80
    return shown if port is None or port == default else f"{shown}:{port}"
