"""A site and a follower on loopback, for tests of what a delivery is signed as.

`StaticSite` serves a build folder over HTTP as a bucket would, so the key ids in it resolve; `KeyCheckingInbox` is a
follower's inbox that checks each signature as a receiving server does: it fetches the document the keyId names,
from wherever the keyId points, and verifies with the key listed there, answering 401 when that fails.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lectern.federation_shim import KeyLookupFailure, PublicKeyInfo, public_key_from_pem, verify_request
from tests.server_process import NO_PROXY


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class StaticSite:
    """`folder` served at `url` (the folder may not exist yet: a build can create or replace it while serving)."""

    def __init__(self, folder: Path) -> None:
        handler = functools.partial(_Quiet, directory=str(folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


async def fetch_key(key_id: str, refresh: bool, /) -> PublicKeyInfo | KeyLookupFailure:
    """The key as a receiving server finds it: GET the keyId's document, take the publicKey with that id."""
    try:
        with NO_PROXY.open(urllib.request.Request(key_id.split("#")[0]), timeout=5) as response:
            document = json.loads(response.read())
        key = document["publicKey"]
        if key["id"] != key_id:
            return KeyLookupFailure(key_id, "key_not_found", f"the document lists {key['id']}")
        return PublicKeyInfo(key_id, document["id"], public_key_from_pem(key["publicKeyPem"]), from_cache=False)
    except (OSError, ValueError, KeyError) as error:
        return KeyLookupFailure(key_id, "key_fetch_failed", str(error))


class KeyCheckingInbox:
    """POST /users/<name>/inbox: 202 for a request whose signature verifies with the key its keyId names, else 401.
    `verdicts` holds (keyId, verified) for every request."""

    def __init__(self) -> None:
        self.verdicts: list[tuple[str | None, bool]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                verdict = asyncio.run(
                    verify_request(
                        method="POST",
                        target_uri=f"{inbox.url}{self.path}",
                        headers=dict(self.headers.items()),
                        body=body,
                        now=datetime.now(UTC),
                        key_lookup=fetch_key,
                    )
                )
                inbox.verdicts.append((verdict.key_id, verdict.ok))
                self.send_response(202 if verdict.ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
