"""The HTTP/1.1 client that POSTs signed activities to remote inboxes: lean, because delivery is the shim's hot path.

Measured on this machine (2 cores, `python bench/delivery.py`): with aiohttp's client a delivery cost about 300 µs
of CPU beside the 250 µs RSA signature, so the sender topped out near 1,100 signed deliveries per CPU-second. A
delivery needs little of a general client: one POST with a body we already hold, the status, `Retry-After`, and the
first lines of the answer for the log. This client writes the request in one call on an asyncio transport and parses
the answer with httptools (llhttp, the parser uvicorn and Node use), so malformed, chunked and read-until-close
answers are handled by a well-tested parser rather than by us.

What it guarantees, as the aiohttp path did:
- Addresses are checked where the connection is made: an IP literal before connecting, a host name on every
  address it resolves to (DNS rebinding cannot slip a private address past the check); see `addresses`.
- One deadline covers connecting, sending and the whole answer; at most `MAX_ANSWER_BYTES` of an answer are read.
- Connections are kept alive and reused per (scheme, host, port) when the server allows it, a few per host and a
  bounded number in all. A reused connection the server had closed meanwhile is retried once on a new one, as
  browsers and aiohttp do (receivers deduplicate activities by id, so the rare double is harmless).
- It never raises for network trouble: the outcome is a `PostResult` (status 0 when there was no answer).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import httptools

from lectern.federation_shim.addresses import Network, check_host, ip_literal, is_address_permitted
from lectern.federation_shim.errors import FetchError, ForbiddenAddress
from lectern.federation_shim.remote_fetch import DEFAULT_USER_AGENT
from lectern.federation_shim.request_view import TargetURI

__all__ = ["MAX_ANSWER_BYTES", "InboxClient", "PostResult", "Reply"]

MAX_ANSWER_BYTES = 64 * 1024  # an inbox answers with a status and perhaps a short reason; more is not read
DETAIL_BYTES = 2048  # kept of the answer's body, for the log and `lectern status`
_FORBIDDEN_IN_TARGET = frozenset(range(0x21)) | {0x7F}
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class PostResult:
    """What a remote inbox answered; `status` 0 means no answer (refused address, timeout, connection error)."""

    status: int
    detail: str
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Reply:
    """A whole answer to `InboxClient.call`: for API calls whose answer is read and checked (a FASP server's JSON and
    its signature). `headers` are lowercased names (a repeated header's values joined with ", "); `body` is at most
    `MAX_ANSWER_BYTES`. `status` 0 means no answer, and `detail` then says why."""

    status: int
    headers: dict[str, str]
    body: bytes
    detail: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _ReusedConnectionClosed(ConnectionError):
    """A kept-alive connection was closed by the server before it answered: safe to try once more on a new one."""


@dataclass
class _Answer:
    status: int
    retry_after: str | None
    body: bytes
    reusable: bool
    headers: dict[str, str] | None = None


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; one request at a time (no pipelining)."""

    def __init__(self, key: tuple[str, str, int]) -> None:
        self.key = key
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self.uses = 0
        self._waiter: asyncio.Future[_Answer] | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._received = 0
        self._status = 0
        self._retry_after: str | None = None
        self._body: list[bytes] = []
        self._kept = 0
        self._keep = DETAIL_BYTES
        self._headers: dict[str, str] | None = None  # only kept when the caller asked for them

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        if self._parser is None or self._waiter is None or self._waiter.done():
            self.close()  # bytes nobody asked for: the connection is no longer in a known state
            return
        self._received += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(ConnectionError(f"the server's answer is not valid HTTP/1.1 ({error})"))
            return
        except httptools.HttpParserUpgrade:
            self._fail(ConnectionError("the server answered by switching protocols"))
            return
        if self._waiter is not None and not self._waiter.done() and self._received > MAX_ANSWER_BYTES:
            self._finish(reusable=False)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            if self._status:
                self._finish(reusable=False)  # an answer without a length ends when the connection does
            elif self._received == 0 and self.uses > 1:  # it carried an earlier request
                self._waiter.set_exception(_ReusedConnectionClosed("the kept-alive connection was closed"))
            else:
                self._waiter.set_exception(ConnectionError("the server closed the connection without an answer"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._status = 0
        self._retry_after = None
        self._body.clear()
        self._kept = 0
        if self._headers is not None:
            self._headers = {}

    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered == b"retry-after":
            self._retry_after = value.decode("latin-1").strip()
        if self._headers is not None:
            key, text = lowered.decode("latin-1"), value.decode("latin-1").strip()
            self._headers[key] = f"{self._headers[key]}, {text}" if key in self._headers else text

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        self._status = self._parser.get_status_code()

    def on_body(self, chunk: bytes) -> None:
        if self._kept < self._keep:
            self._body.append(chunk[: self._keep - self._kept])
            self._kept += min(len(chunk), self._keep - self._kept)

    def on_message_complete(self) -> None:
        if self._status < 200:
            return  # 1xx (103 Early Hints...): the real answer follows
        assert self._parser is not None
        self._finish(reusable=self._parser.should_keep_alive())

    # the client's side
    def send(self, request: bytes, whole: bool = False) -> asyncio.Future[_Answer]:
        """Send `request`; the answer keeps DETAIL_BYTES of the body, or with `whole` every header and the body up to
        MAX_ANSWER_BYTES."""
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._parser = httptools.HttpResponseParser(self)
        self._received = 0
        self._keep = MAX_ANSWER_BYTES if whole else DETAIL_BYTES
        self._headers = {} if whole else None
        self.on_message_begin()
        self.uses += 1
        self.transport.write(request)
        return self._waiter

    def _finish(self, reusable: bool) -> None:
        assert self._waiter is not None
        answer = _Answer(self._status, self._retry_after, b"".join(self._body), reusable, self._headers)
        self._waiter.set_result(answer)
        self._parser = None

    def _fail(self, error: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class InboxClient:
    """POSTs to inboxes over kept-alive HTTP/1.1 connections. Create it inside the event loop that uses it."""

    def __init__(
        self,
        *,
        allow_private_addresses: bool = False,
        allowed_networks: Sequence[Network] = (),
        timeout: float = 10.0,
        user_agent: str = DEFAULT_USER_AGENT,
        idle_per_host: int = 4,
        idle_total: int = 512,
        idle_seconds: float = 20.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.allow_private_addresses = allow_private_addresses
        self.allowed_networks = tuple(allowed_networks)
        self.timeout = timeout
        self.idle_per_host = idle_per_host
        self.idle_total = idle_total
        self.idle_seconds = idle_seconds
        self._user_agent = user_agent
        self._ssl = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._by_age: dict[_Connection, None] = {}  # every idle connection, longest idle first

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> PostResult:
        """POST `body` with `headers` (Host, Content-Length and User-Agent are added). Never raises for network
        trouble, a refused address or a bad answer: see PostResult."""
        answer = await self._answer("POST", url, headers, body, whole=False)
        if isinstance(answer, str):
            return PostResult(0, answer)
        detail = answer.body.decode("utf-8", "replace")[:300]
        return PostResult(answer.status, detail, answer.retry_after)

    async def call(self, method: str, url: str, headers: Mapping[str, str], body: bytes = b"") -> Reply:
        """An API call (`method` POST, PUT or DELETE) whose whole answer the caller reads: every header and up to
        MAX_ANSWER_BYTES of the body. Same guards, deadline and connection reuse as `post`; never raises for network
        trouble (status 0 and a `detail`)."""
        if method not in ("POST", "PUT", "DELETE", "PATCH"):
            raise ValueError(f"InboxClient.call sends POST, PUT, PATCH or DELETE, not {method!r}")
        answer = await self._answer(method, url, headers, body, whole=True)
        if isinstance(answer, str):
            return Reply(0, {}, b"", answer)
        return Reply(answer.status, answer.headers or {}, answer.body, answer.body.decode("utf-8", "replace")[:300])

    async def _answer(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes, *, whole: bool
    ) -> _Answer | str:
        """The answer, or a sentence saying why there is none."""
        authority = url
        try:
            key, target, authority = _parse(url)
            request = _request(method, target, authority, headers, body, self._user_agent)
            async with asyncio.timeout(self.timeout):
                return await self._exchange(key, request, whole)
        except ssl.SSLError as error:  # before ValueError: a certificate that fails verification is both
            if isinstance(error, ssl.SSLCertVerificationError):
                return f"TLS failed with {authority}: certificate not trusted ({error.verify_message})"
            return f"TLS failed with {authority}: {error.reason or error}"
        except (FetchError, ValueError) as error:
            return str(error)
        except TimeoutError:
            return f"no answer from {authority} within {self.timeout:g} s"
        except OSError as error:  # refused, reset, unreachable, no such host
            return f"{authority}: {error.strerror or error}"

    async def _exchange(self, key: tuple[str, str, int], request: bytes, whole: bool) -> _Answer:
        connection = self._take_idle(key)
        if connection is not None:
            try:
                return await self._send(connection, request, whole)
            except _ReusedConnectionClosed:
                pass
        return await self._send(await self._connect(key), request, whole)

    async def _send(self, connection: _Connection, request: bytes, whole: bool) -> _Answer:
        try:
            answer = await connection.send(request, whole)
        except BaseException:
            connection.close()
            raise
        if answer.reusable and not connection.closed:
            self._put_idle(connection)
        else:
            connection.close()
        return answer

    async def _connect(self, key: tuple[str, str, int]) -> _Connection:
        scheme, host, port = key
        loop = asyncio.get_running_loop()
        addresses = await self._addresses(host, port)
        context = (self._ssl or _default_ssl_context()) if scheme == "https" else None
        last_error: OSError | None = None
        for family, address in addresses:
            try:
                _, connection = await loop.create_connection(
                    lambda: _Connection(key),
                    host=address,
                    port=port,
                    family=family,
                    ssl=context,
                    server_hostname=host if context else None,
                )
                return connection
            except OSError as error:
                last_error = error
        raise last_error or OSError(f"no address to connect to for {host}")

    async def _addresses(self, host: str, port: int) -> list[tuple[int, str]]:
        """The addresses to try for `host`, every one of them permitted (or ForbiddenAddress)."""
        literal = ip_literal(host)
        if literal is not None:
            check_host(
                host, allow_private_addresses=self.allow_private_addresses, allowed_networks=self.allowed_networks
            )
            return [(socket.AF_INET6 if literal.version == 6 else socket.AF_INET, str(literal))]
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        found: list[tuple[int, str]] = []
        for family, _type, _proto, _name, sockaddr in infos:
            address = str(sockaddr[0]).split("%", 1)[0]
            if not is_address_permitted(address, self.allow_private_addresses, self.allowed_networks):
                raise ForbiddenAddress(host, host, address)
            if (family, address) not in found:
                found.append((family, address))
        return found

    def _take_idle(self, key: tuple[str, str, int]) -> _Connection | None:
        waiting = self._idle.get(key)
        now = time.monotonic()
        while waiting:
            connection = waiting.pop()
            del self._by_age[connection]
            if not connection.closed and now - connection.idle_since < self.idle_seconds:
                return connection
            connection.close()
        return None

    def _put_idle(self, connection: _Connection) -> None:
        waiting = self._idle.setdefault(connection.key, [])
        if len(waiting) >= self.idle_per_host:
            connection.close()
            return
        if len(self._by_age) >= self.idle_total:  # make room by closing the connection idle the longest
            oldest = next(iter(self._by_age))
            del self._by_age[oldest]
            self._idle[oldest.key].remove(oldest)
            oldest.close()
        connection.idle_since = time.monotonic()
        waiting.append(connection)
        self._by_age[connection] = None

    async def close(self) -> None:
        for waiting in self._idle.values():
            for connection in waiting:
                connection.close()
        self._idle.clear()
        self._by_age.clear()
        await asyncio.sleep(0)  # let the transports finish closing


def _parse(url: str) -> tuple[tuple[str, str, int], str, str]:
    """((scheme, host, port), request target, Host header) of an inbox URL, or ValueError saying what is wrong. The
    Host header is `TargetURI.authority`, the value `sign_post` signs (default port left out)."""
    uri = TargetURI.parse(url)
    target = uri.request_target
    if any(ord(character) in _FORBIDDEN_IN_TARGET or ord(character) > 0x7E for character in target):
        raise ValueError(f"{url!r} has characters that cannot be sent in a request line")
    return (uri.scheme, uri.host, uri.port or _DEFAULT_PORTS[uri.scheme]), target, uri.authority


def _request(
    method: str, target: str, authority: str, headers: Mapping[str, str], body: bytes, user_agent: str
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {authority}", f"User-Agent: {user_agent}"]
    for name, value in headers.items():
        if name.lower() in ("host", "content-length", "user-agent", "connection", "transfer-encoding"):
            continue
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise ValueError(f"header {name!r} contains a line break")
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


_SSL_CONTEXT: ssl.SSLContext | None = None


def _default_ssl_context() -> ssl.SSLContext:
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        _SSL_CONTEXT = ssl.create_default_context()
    return _SSL_CONTEXT
