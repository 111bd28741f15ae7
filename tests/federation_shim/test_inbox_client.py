"""The inbox client against real servers on loopback: a TCP server that answers with scripted bytes (for the answers
no well-behaved server library would send: garbage, 1xx, no length, silence, 1 MB) and an aiohttp server."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from lectern.federation_shim.cavage import sign_post
from lectern.federation_shim.inbox_client import MAX_ANSWER_BYTES, InboxClient, PostResult, _parse

BODY = b'{"type":"Create","id":"https://oer.example/ap/creates/a/b.json"}'
HEADERS = {"Content-Type": "application/activity+json", "Signature": 'keyId="k",signature="s"'}

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Seen"], Awaitable[None]]


@dataclass
class Seen:
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)


async def read_request(reader: asyncio.StreamReader, seen: Seen) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    request = head + await reader.readexactly(length)
    seen.requests.append(request)
    return request


@asynccontextmanager
async def scripted(script: Script) -> AsyncIterator[tuple[int, Seen]]:
    seen = Seen()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        try:
            await script(reader, writer, seen)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], seen
    finally:
        server.close()


def answer_with(*answers: bytes, keep_open: bool = False) -> Script:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
        for answer in answers:
            await read_request(reader, seen)
            writer.write(answer)
            await writer.drain()
        if keep_open:
            await asyncio.sleep(30)

    return script


def post(
    script: Script, *, client: InboxClient | None = None, times: int = 1, path: str = "/inbox"
) -> tuple[list[PostResult], Seen]:
    async def main() -> tuple[list[PostResult], Seen]:
        used = client or InboxClient(allow_private_addresses=True, timeout=2)
        async with scripted(script) as (port, seen):
            results = [await used.post(f"http://127.0.0.1:{port}{path}", HEADERS, BODY) for _ in range(times)]
        await used.close()
        return results, seen

    return asyncio.run(main())


def test_the_request_carries_host_length_our_headers_and_the_body_unchanged() -> None:
    results, seen = post(answer_with(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"), path="/users/a/inbox")
    assert results == [PostResult(202, "", None)]
    head, _, body = seen.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /users/a/inbox HTTP/1.1"
    assert lines[1].startswith(b"Host: 127.0.0.1:")
    assert b"Content-Type: application/activity+json" in lines
    assert b'Signature: keyId="k",signature="s"' in lines
    assert f"Content-Length: {len(BODY)}".encode() in lines
    assert body == BODY


def test_a_kept_alive_connection_carries_the_next_request() -> None:
    ok = b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok"
    results, seen = post(answer_with(ok, ok, ok), times=3)
    assert [r.status for r in results] == [202, 202, 202]
    assert results[0].detail == "ok"
    assert seen.connections == 1 and len(seen.requests) == 3


def test_retry_after_and_the_start_of_the_reason_are_kept() -> None:
    answer = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\nContent-Length: 9\r\n\r\nslow down"
    results, _ = post(answer_with(answer))
    assert results == [PostResult(429, "slow down", "120")]


def test_a_chunked_answer_is_read_and_the_connection_reused() -> None:
    chunked = b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbad \r\n9\r\nsignature\r\n0\r\n\r\n"
    results, seen = post(answer_with(chunked, chunked), times=2)
    assert [r.detail for r in results] == ["bad signature", "bad signature"]
    assert seen.connections == 1


def test_an_answer_without_a_length_ends_with_the_connection() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
        await read_request(reader, seen)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nthanks")
        await writer.drain()

    results, seen = post(script, times=2)
    assert [(r.status, r.detail) for r in results] == [(200, "thanks"), (200, "thanks")]
    assert seen.connections == 2


def test_an_informational_answer_is_skipped_for_the_final_one() -> None:
    results, _ = post(
        answer_with(
            b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
        )
    )
    assert results[0].status == 201


def test_garbage_is_no_answer_with_a_reason() -> None:
    results, _ = post(answer_with(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))
    assert results[0].status == 0
    assert "not valid HTTP/1.1" in results[0].detail


def test_a_server_that_hangs_up_is_no_answer() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
        await read_request(reader, seen)

    results, _ = post(script)
    assert results[0].status == 0
    assert "closed the connection without an answer" in results[0].detail


def test_a_silent_server_costs_at_most_the_timeout() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
        await read_request(reader, seen)
        await asyncio.sleep(30)

    results, _ = post(script, client=InboxClient(allow_private_addresses=True, timeout=0.3))
    assert results[0].status == 0
    assert "no answer from 127.0.0.1" in results[0].detail and "0.3 s" in results[0].detail


def test_a_huge_answer_is_not_read_to_the_end() -> None:
    huge = b"HTTP/1.1 500 Oops\r\nContent-Length: %d\r\n\r\n" % (50 * MAX_ANSWER_BYTES) + b"x" * (50 * MAX_ANSWER_BYTES)
    results, seen = post(answer_with(huge, huge), times=2)
    assert [r.status for r in results] == [500, 500]
    assert len(results[0].detail) == 300
    assert seen.connections == 2  # the rest of the first answer was never read, so its connection was closed


def test_a_kept_alive_connection_the_server_closed_is_replaced_without_failing_the_post() -> None:
    async def one_per_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
        await read_request(reader, seen)
        writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")  # says keep-alive, then hangs up
        await writer.drain()

    async def main() -> tuple[list[PostResult], Seen]:
        client = InboxClient(allow_private_addresses=True, timeout=2)
        async with scripted(one_per_connection) as (port, seen):
            first = await client.post(f"http://127.0.0.1:{port}/inbox", HEADERS, BODY)
            await asyncio.sleep(0.1)  # the server's close reaches us while the connection is idle
            second = await client.post(f"http://127.0.0.1:{port}/inbox", HEADERS, BODY)
        await client.close()
        return [first, second], seen

    results, seen = asyncio.run(main())
    assert [r.status for r in results] == [202, 202]
    assert seen.connections == 2 and len(seen.requests) == 2


def test_private_addresses_are_refused_unless_allowed() -> None:
    results, seen = post(
        answer_with(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"), client=InboxClient(timeout=2)
    )
    assert results[0].status == 0 and "127.0.0.1" in results[0].detail
    assert seen.connections == 0


def test_a_host_name_that_resolves_to_loopback_is_refused() -> None:
    async def main() -> PostResult:
        client = InboxClient(timeout=2)
        try:
            return await client.post("http://localhost:9/inbox", HEADERS, BODY)
        finally:
            await client.close()

    result = asyncio.run(main())
    assert result.status == 0 and "localhost" in result.detail


def test_an_inbox_url_that_would_split_the_request_line_is_refused_before_connecting() -> None:
    results, seen = post(answer_with(b"HTTP/1.1 202 Accepted\r\n\r\n"), path="/inbox HTTP/1.1\r\nX-Evil: 1\r\n")
    assert results[0].status == 0 and "cannot be sent in a request line" in results[0].detail
    assert seen.connections == 0


def test_against_aiohttp_many_posts_share_a_few_connections() -> None:
    connections: set[object] = set()

    async def inbox(request: web.Request) -> web.Response:
        connections.add(request.transport)
        assert await request.read() == BODY
        return web.Response(status=202)

    async def main() -> list[PostResult]:
        app = web.Application()
        app.router.add_post("/inbox", inbox)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        client = InboxClient(allow_private_addresses=True, timeout=5, idle_per_host=4)
        semaphore = asyncio.Semaphore(4)

        async def one() -> PostResult:
            async with semaphore:
                return await client.post(f"http://127.0.0.1:{port}/inbox", HEADERS, BODY)

        try:
            return await asyncio.gather(*(one() for _ in range(100)))
        finally:
            await client.close()
            await runner.cleanup()

    results = asyncio.run(main())
    assert {r.status for r in results} == {202}
    assert 1 <= len(connections) <= 4


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made for the test (nothing is read from or written to git)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def test_https_inboxes_are_reached_over_verified_tls_and_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    cert_file, key_file = self_signed_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    trusting = ssl.create_default_context(cafile=str(cert_file))

    async def main() -> tuple[list[PostResult], PostResult, Seen]:
        seen = Seen()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.connections += 1
            try:
                for _ in range(2):
                    await read_request(reader, seen)
                    writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
            except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_tls)
        port = server.sockets[0].getsockname()[1]
        client = InboxClient(allow_private_addresses=True, timeout=5, ssl_context=trusting)
        doubting = InboxClient(allow_private_addresses=True, timeout=5)  # the system's CAs: our certificate is unknown
        try:
            trusted = [await client.post(f"https://127.0.0.1:{port}/inbox", HEADERS, BODY) for _ in range(2)]
            refused = await doubting.post(f"https://localhost:{port}/inbox", HEADERS, BODY)
        finally:
            await client.close()
            await doubting.close()
            server.close()
        return trusted, refused, seen

    trusted, refused, seen = asyncio.run(main())
    assert [r.status for r in trusted] == [202, 202]
    assert seen.requests[0].split(b"\r\n")[1].startswith(b"Host: 127.0.0.1:")
    assert refused.status == 0
    assert refused.detail.startswith("TLS failed with localhost:") and "certificate not trusted" in refused.detail
    assert len(seen.requests) == 2  # the refused client sent nothing


def test_the_host_sent_is_the_host_signed_even_with_an_explicit_default_port(rsa_key: rsa.RSAPrivateKey) -> None:
    url = "https://Social.Example:443/users/a/inbox?x=1"
    (scheme, host, port), target, host_header = _parse(url)
    assert (scheme, host, port, target) == ("https", "social.example", 443, "/users/a/inbox?x=1")
    signed = sign_post(url, BODY, key_id="https://oer.example/ap/actors/a.json#main-key", private_key=rsa_key)
    assert host_header == signed["Host"] == "social.example"
