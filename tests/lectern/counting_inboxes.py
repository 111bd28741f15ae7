"""Many loopback inboxes in one real HTTP server, for tests of delivery to many followers: every path
/inbox/<n> (n < count) is an inbox that checks the Digest and the draft-cavage RSA signature against one public key
and key id, answers 202, and counts what it received per (inbox, activity id).

`hold()` makes every later request wait, unanswered, until `release()`: a test can then see which requests are in
flight (with the client's port, to tell which process sent them) and kill a sender while they are.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from lectern.federation_shim.cavage import parse_signature_header


@dataclass
class CountingInboxes:
    count: int
    public_key: rsa.RSAPublicKey
    key_id: str
    received: Counter[tuple[int, str]] = field(default_factory=Counter)  # (inbox number, activity id) -> times
    refused: list[str] = field(default_factory=list)  # why a request was not accepted
    held: list[tuple[tuple[int, str], int]] = field(default_factory=list)  # ((inbox, activity), client port) held

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._open.set()

    def inbox(self, number: int) -> str:
        return f"{self.base}/inbox/{number}"

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def held_now(self) -> list[tuple[tuple[int, str], int]]:
        with self._lock:
            return list(self.held)

    def accepted(self) -> int:
        with self._lock:
            return sum(self.received.values())

    def check(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str] | str:
        """(inbox number, activity id) of a well-signed delivery, or why it is refused."""
        number = path.removeprefix("/inbox/")
        if not number.isdigit() or not 0 <= int(number) < self.count:
            return f"no inbox at {path}"
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        if headers.get("digest") != digest:
            return "digest mismatch"
        params = parse_signature_header(headers.get("signature", ""))
        if params.get("keyId") != self.key_id:
            return f"keyId {params.get('keyId')!r}"
        lines = []
        for name in params.get("headers", "date").split():
            lines.append(f"(request-target): post {path}" if name == "(request-target)" else f"{name}: {headers[name]}")
        try:
            signature = base64.b64decode(params["signature"])
            self.public_key.verify(signature, "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, KeyError, ValueError):
            return "bad signature"
        return int(number), str(json.loads(body)["id"])

    def start(self) -> CountingInboxes:
        inboxes = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the delivery client expects

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                found = inboxes.check(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                if isinstance(found, str):
                    with inboxes._lock:
                        inboxes.refused.append(found)
                    self.answer(401)
                    return
                with inboxes._lock:
                    inboxes.received[found] += 1
                    waiting = not inboxes._open.is_set()
                    if waiting:
                        inboxes.held.append((found, self.client_address[1]))
                if waiting:
                    inboxes._open.wait(120)
                self.answer(202)

            def answer(self, status: int) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender is gone (killed while this request was in flight)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()


def client_ports(pid: int) -> set[int]:
    """The local TCP ports of process `pid`'s sockets (Linux /proc), to tell which process a request came from."""
    from pathlib import Path

    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            columns = row.split()
            if columns[9] in inodes:
                ports.add(int(columns[1].rsplit(":", 1)[1], 16))
    return ports
