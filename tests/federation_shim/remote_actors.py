"""Remote actors for tests: a real HTTP server on loopback that hosts actor and key documents and an inbox.

Each actor has its own RSA key; tests sign requests with it (correctly or, to attack the shim, not) through the same
signing code the shim uses for its own deliveries. Documents can be made hostile: served as text/html, or with an id
that differs from their URL. Every request the server receives is recorded, so a test can prove that no fetch happened.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lectern.federation_shim.cavage import sign_post
from lectern.federation_shim.http_signatures import sign_request_rfc9421
from lectern.vocabulary import ACTIVITYSTREAMS, SECURITY

KEYS: dict[int, rsa.RSAPrivateKey] = {}


def actor_key(number: int) -> rsa.RSAPrivateKey:
    """RSA keys are slow to make: a few, made once per test session."""
    if number not in KEYS:
        KEYS[number] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return KEYS[number]


@dataclass
class RemoteActor:
    base: str
    name: str
    key: rsa.RSAPrivateKey
    content_type: str = "application/activity+json"
    key_document_id: str | None = None  # a key document (separate from the actor) claiming this id

    @property
    def id(self) -> str:
        return f"{self.base}/users/{self.name}"

    @property
    def key_id(self) -> str:
        return f"{self.id}#main-key"

    @property
    def inbox(self) -> str:
        return f"{self.id}/inbox"

    def document(self) -> dict[str, Any]:
        pem = (
            self.key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        return {
            "@context": [ACTIVITYSTREAMS, SECURITY],
            "id": self.id,
            "type": "Person",
            "preferredUsername": self.name,
            "inbox": self.inbox,
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.id, "publicKeyPem": pem},
        }

    def sign(self, url: str, body: bytes, scheme: str = "cavage", key_id: str | None = None) -> dict[str, str]:
        if scheme == "rfc9421":
            headers = {"Content-Type": "application/activity+json"}
            return headers | sign_request_rfc9421(
                "POST", url, headers=headers, body=body, key_id=key_id or self.key_id, private_key=self.key
            )
        return sign_post(url, body, key_id=key_id or self.key_id, private_key=self.key)


@dataclass
class RemoteServer:
    """A loopback HTTP server hosting RemoteActors."""

    host: str = "127.0.0.1"
    actors: dict[str, RemoteActor] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)

    def start(self) -> RemoteServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                server.requests.append(("GET", self.path))
                actor = server.actors.get(self.path.split("/")[2] if self.path.startswith("/users/") else "")
                if actor is None or self.path != f"/users/{actor.name}":
                    self.send_response(404)
                    self.end_headers()
                    return
                document = actor.document()
                if actor.key_document_id:
                    document["id"] = actor.key_document_id
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", actor.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                server.requests.append(("POST", self.path))
                length = int(self.headers.get("Content-Length", "0"))
                server.received.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(202)
                self.end_headers()

        self.httpd = ThreadingHTTPServer((self.host, 0), Handler)
        self.base = f"http://{self.host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def add(self, name: str, key_number: int, **options: Any) -> RemoteActor:
        actor = RemoteActor(self.base, name, actor_key(key_number), **options)
        self.actors[name] = actor
        return actor

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
