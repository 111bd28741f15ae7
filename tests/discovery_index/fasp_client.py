"""Our own Fediverse server side of FASP v0.1, to test the index as a provider: a loopback HTTP server with what a
server exposes to a FASP (NodeInfo with `metadata.faspBaseUrl`, `POST <faspBaseUrl>/registration` answered 201 with
its own Ed25519 key, as Mastodon's `Api::Fasp::RegistrationsController` does) and ActivityPub documents to be
fetched; and a client that calls the provider as Mastodon's `Fasp::Request` does: Ed25519 RFC 9421 signatures over
`@method @target-uri content-digest` with keyid the `serverId`, every answer's `Content-Digest` and signature checked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lectern.federation_shim import (
    MessageCheck,
    ed25519_public_key_from_base64,
    ed25519_public_key_to_base64,
    sign_message_ed25519,
    verify_message_ed25519,
)
from tests.server_process import NO_PROXY

FASP_ID = "fasp-7"


class FediverseServerSide:
    """Answers the provider's data_sharing calls as Mastodon does (`Api::Fasp::DataSharing::V0::*Controller`): 201
    `{"subscription": {"id": ...}}` / `{"backfillRequest": {"id": ...}}`, 204 for a continuation or an unsubscription,
    every answer signed over `@status content-digest` without a keyid (`Api::Fasp::BaseController#sign_response`);
    `answer_key` None leaves the answers unsigned."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.answer_key: Ed25519PrivateKey | None = self.key
        self.registrations: list[dict[str, Any]] = []
        self.documents: dict[str, dict[str, Any]] = {}
        # (method and path, payload, signature check), e.g. ("POST /api/fasp/data_sharing/v0/backfill_requests", ...)
        self.requests: list[tuple[str, Any, MessageCheck]] = []
        side = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: Any, media: str = "application/json", sign: bool = False) -> None:
                body = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                if sign and side.answer_key is not None:
                    for name, value in sign_message_ed25519(
                        body=body, key_id="", private_key=side.answer_key, status=status
                    ).items():
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _data_sharing(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                key = ed25519_public_key_from_base64(side.registrations[-1]["publicKey"])
                check = verify_message_ed25519(
                    headers=dict(self.headers.items()),
                    body=body,
                    key_for={FASP_ID: key},
                    method=method,
                    target_uri=f"{side.url}{self.path}",
                )
                side.requests.append((f"{method} {self.path}", json.loads(body) if body else None, check))
                number = len(side.requests)
                if not check.ok:
                    self._send(401, None, sign=True)
                elif method == "DELETE" or self.path.endswith("/continuation"):
                    self._send(204, None, sign=True)
                elif self.path.endswith("/event_subscriptions"):
                    self._send(201, {"subscription": {"id": number}}, sign=True)
                else:
                    self._send(201, {"backfillRequest": {"id": f"b{number}"}}, sign=True)

            def do_DELETE(self) -> None:  # noqa: N802
                self._data_sharing("DELETE")

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/.well-known/nodeinfo":
                    rel = "http://nodeinfo.diaspora.software/ns/schema/2.0"
                    self._send(200, {"links": [{"rel": rel, "href": f"{side.url}/nodeinfo/2.0"}]})
                elif self.path == "/nodeinfo/2.0":
                    software = {"name": "fediexample", "version": "1.0"}
                    self._send(
                        200, {"version": "2.0", "software": software, "metadata": {"faspBaseUrl": side.fasp_base}}
                    )
                elif self.path in side.documents:
                    self._send(200, side.documents[self.path], "application/activity+json")
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:  # noqa: N802
                if self.path.startswith("/api/fasp/data_sharing/v0/"):
                    self._data_sharing("POST")
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path != "/api/fasp/registration":
                    self._send(404, {"error": "not found"})
                    return
                side.registrations.append(json.loads(body))
                public = ed25519_public_key_to_base64(side.key.public_key())
                answer = {"faspId": FASP_ID, "publicKey": public, "registrationCompletionUri": f"{side.url}/admin/fasp"}
                self._send(201, answer)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.fasp_base = f"{self.url}/api/fasp"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def publish(self, path: str, document: dict[str, Any]) -> str:
        self.documents[path] = document
        return f"{self.url}{path}"

    @property
    def server_id(self) -> str:
        return str(self.registrations[-1]["serverId"])

    def provider_key_fingerprint(self) -> str:
        raw = base64.b64decode(self.registrations[-1]["publicKey"])
        return base64.b64encode(hashlib.sha256(raw).digest()).decode()

    def call(
        self,
        provider_url: str,
        method: str,
        path: str,
        payload: Any = None,
        *,
        key: Ed25519PrivateKey | None = None,
        key_id: str | None = None,
        sign: bool = True,
        body: bytes | None = None,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """A signed FASP call (as Mastodon's `Fasp::Request`), with knobs for the hostile cases."""
        url = provider_url + path
        data = body if body is not None else (b"" if payload is None else json.dumps(payload).encode())
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if sign:
            headers |= sign_message_ed25519(
                body=data, key_id=key_id or self.server_id, private_key=key or self.key, method=method, target_uri=url
            )
        headers |= extra or {}
        request = urllib.request.Request(url, data=data if method != "GET" else None, method=method, headers=headers)
        try:
            with NO_PROXY.open(request, timeout=60) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def check_answer(self, status: int, headers: dict[str, str], body: bytes) -> MessageCheck:
        """The provider's signature on an answer, checked with the key it sent at registration."""
        key = ed25519_public_key_from_base64(self.registrations[-1]["publicKey"])
        return verify_message_ed25519(headers=headers, body=body, key_for={FASP_ID: key}, status=status)
