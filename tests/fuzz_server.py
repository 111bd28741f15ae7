"""An ASGI app under a real uvicorn server in a thread of the test process, for fuzz tests that send thousands of
requests (a subprocess per example would be too slow, and Starlette's TestClient needs a package we do not use).

Fuzzed requests name arbitrary keyIds, and the app would fetch them: `loopback_key_cache` makes a KeyCache whose
every fetch goes to 127.0.0.1 (each host name resolves there; IP literals elsewhere are refused by the address guard),
so nothing leaves the machine. Install it in the app once it has started (`FuzzServer.started`).
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
from collections.abc import Callable
from ipaddress import ip_network
from typing import Any

import uvicorn
from aiohttp.abc import AbstractResolver, ResolveResult

from lectern.federation_shim import KeyCache, RemoteFetcher


class LoopbackResolver(AbstractResolver):
    """Resolves every name to 127.0.0.1."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        pass


def loopback_key_cache() -> KeyCache:
    fetcher = RemoteFetcher(resolver=LoopbackResolver(), allowed_networks=(ip_network("127.0.0.0/8"),), deadline=2.0)
    return KeyCache(fetcher)


class FuzzServer:
    """``with FuzzServer(app, on_start) as server: server.request(...)``; ``on_start(app)`` runs in the server's
    event loop once the lifespan has started (to swap in a loopback key cache)."""

    def __init__(self, app: Any, on_start: Callable[[Any], None]) -> None:
        # the socket is bound here and handed to uvicorn, so no other server can take the port in between
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.app = app
        self.on_start = on_start
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="critical", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            serving = asyncio.ensure_future(self.server.serve(sockets=[self.socket]))
            while not self.server.started and not serving.done():
                await asyncio.sleep(0.01)
            self.on_start(self.app)
            await serving

        asyncio.run(main())

    def __enter__(self) -> FuzzServer:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the fuzz server did not start")
            self.thread.join(0.05)
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.connection.close()
        self.server.should_exit = True
        self.thread.join(30)
        self.socket.close()

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, bytes] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a kept-alive connection (reopened after the server closed it)."""
        for attempt in (1, 2):
            try:
                self.connection.putrequest(method, path, skip_accept_encoding=True)
                for name, value in (headers or {}).items():
                    self.connection.putheader(name, value)
                if body is not None:
                    self.connection.putheader("Content-Length", str(len(body)))
                self.connection.endheaders(body)
                response = self.connection.getresponse()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")
