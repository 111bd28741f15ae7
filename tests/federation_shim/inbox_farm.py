"""Many remote inboxes on loopback for delivery tests: one aiohttp site per port, each a separate "server".

Each inbox records what it receives (activity id, path) and can answer with a chosen status, Retry-After, or a delay.
With a public key it verifies every HTTP signature with the shim's own verifier (a real check, as a receiving server
would do). Runs in the caller's event loop, or as its own process:

    python -m tests.federation_shim.inbox_farm --servers 200 --ports-file P [--verify-key PEM] [--delay SECONDS]

which writes {"control": C, "inboxes": [ports]} to P once listening (every port chosen by the kernel, so none can
be taken in between); GET http://127.0.0.1:C/receipts returns {"received": [[port, path, id], ...], "invalid": N}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from lectern.federation_shim.http_signatures import verify_request
from lectern.federation_shim.keys import KeyLookupFailure, PublicKeyInfo

Answer = tuple[int, dict[str, str], float]  # status, headers, seconds to wait before answering
Behaviour = Callable[[int, str], Answer]  # (server index, path) -> answer


def always_accept(_server: int, _path: str) -> Answer:
    return 202, {}, 0.0


@dataclass
class InboxFarm:
    behaviour: Behaviour = always_accept
    public_key_pem: str | None = None
    received: list[tuple[int, str, str]] = field(default_factory=list)
    invalid: int = 0
    ports: list[int] = field(default_factory=list)

    async def start(self, servers: int) -> InboxFarm:
        self._runners: list[web.AppRunner] = []
        key = load_pem_public_key(self.public_key_pem.encode()) if self.public_key_pem else None
        for index in range(servers):
            app = web.Application(client_max_size=2 * 1024 * 1024)
            app.router.add_post("/{tail:.*}", self._handler(index, key))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
            await site.start()
            self._runners.append(runner)
            self.ports.append(runner.addresses[0][1])
        return self

    def _handler(self, index: int, key: Any) -> Callable[[web.Request], Any]:
        async def lookup(key_id: str, refresh: bool, /) -> PublicKeyInfo | KeyLookupFailure:
            return PublicKeyInfo(key_id, key_id.split("#")[0], key)

        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            if key is not None:
                verdict = await verify_request(
                    method="POST",
                    target_uri=str(request.url),
                    headers=dict(request.headers),
                    body=body,
                    now=datetime.now(UTC),
                    key_lookup=lookup,
                )
                if not verdict.ok:
                    self.invalid += 1
                    return web.json_response({"reason": str(verdict.reason)}, status=401)
            status, headers, delay = self.behaviour(index, request.path)
            if delay:
                await asyncio.sleep(delay)
            if 200 <= status < 300:
                self.received.append((self.ports[index], request.path, json.loads(body)["id"]))
            return web.Response(status=status, headers=headers)

        return handle

    def inbox(self, index: int, path: str = "/inbox") -> str:
        return f"http://127.0.0.1:{self.ports[index]}{path}"

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()


async def _serve(args: argparse.Namespace) -> None:
    pem = Path(args.verify_key).read_text() if args.verify_key else None
    delay = args.delay

    def answer(_server: int, _path: str) -> Answer:
        return 202, {}, delay

    farm = await InboxFarm(answer, public_key_pem=pem).start(args.servers)
    control = web.Application()

    async def receipts(_request: web.Request) -> web.Response:
        return web.json_response({"received": farm.received, "invalid": farm.invalid})

    control.router.add_get("/receipts", receipts)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    control_port = runner.addresses[0][1]
    staging = Path(args.ports_file + ".tmp")
    staging.write_text(json.dumps({"control": control_port, "inboxes": farm.ports}))
    staging.replace(args.ports_file)  # whole or not at all, for the reader that polls for it
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="Loopback inboxes for delivery tests and benchmarks.")
    parser.add_argument("--servers", type=int, required=True)
    parser.add_argument("--ports-file", required=True)
    parser.add_argument("--verify-key")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds each inbox waits before answering")
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
