"""Benchmark: signed POSTs to the inbox of `lectern serve`, against a minimal Starlette app that does only the
unavoidable work (check the Digest, verify the RSA signature), measured in the same run.

    python bench/inbox.py [--requests 6000] [--concurrency 32]

Both servers run under uvicorn, one worker each, on loopback; the load comes from a separate process using aiohttp,
with requests signed beforehand (draft-cavage, rsa-sha256, unique activity ids) so signing is not timed. The key is
already cached by the shim (one warm-up request). Lectern's inbox does everything it does in production: size limit,
JSON, blocked domains, signature with the key from its cache, signer == actor, de-duplication, dispatch (the activity
is a Like, answered 202 and ignored). Target: Lectern >= 0.6 x the minimal app.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))


def ceiling_app(public_key_pem: str) -> Any:
    """The least an inbox can do: check the digest and verify the RSA signature over the signed headers."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    key = serialization.load_pem_public_key(public_key_pem.encode())

    async def inbox(request: Request) -> JSONResponse:
        body = await request.body()
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        if request.headers.get("digest") != digest:
            return JSONResponse({"reason": "digest_mismatch"}, status_code=401)
        params = dict(p.split("=", 1) for p in request.headers["signature"].split(","))
        names = params["headers"].strip('"').split()
        lines = []
        for name in names:
            if name == "(request-target)":
                lines.append(f"(request-target): post {request.url.path}")
            else:
                lines.append(f"{name}: {request.headers[name]}")
        try:
            key.verify(
                base64.b64decode(params["signature"].strip('"')),
                "\n".join(lines).encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:
            return JSONResponse({"reason": "invalid_signature"}, status_code=401)
        return JSONResponse({"status": "accepted"}, status_code=202)

    return Starlette(routes=[Route("/ap/actors/{name}/inbox", inbox, methods=["POST"])])


def serve_ceiling(port: int, key_file: str) -> None:
    import uvicorn

    uvicorn.run(ceiling_app(Path(key_file).read_text()), host="127.0.0.1", port=port, log_level="warning")


async def load(url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int) -> dict[str, Any]:
    import aiohttp

    statuses: dict[int, int] = {}
    queue = list(reversed(requests))

    async def worker(session: aiohttp.ClientSession) -> None:
        while queue:
            body, headers = queue.pop()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "rate": len(requests) / elapsed, "statuses": statuses}


def run_load(url: str, requests_file: str, concurrency: int) -> None:
    raw = json.loads(Path(requests_file).read_text())
    requests = [(item["body"].encode(), item["headers"]) for item in raw]
    print(json.dumps(asyncio.run(load(url, requests, concurrency))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--serve-ceiling", nargs=2, metavar=("PORT", "KEY_FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--load", nargs=3, metavar=("URL", "REQUESTS", "CONCURRENCY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_ceiling:
        return serve_ceiling(int(args.serve_ceiling[0]), args.serve_ceiling[1])
    if args.load:
        return run_load(args.load[0], args.load[1], int(args.load[2]))

    from cryptography.hazmat.primitives import serialization

    from federation_shim.cavage import sign_post
    from tests.conftest import copy_project
    from tests.federation_shim.remote_actors import RemoteServer
    from tests.lectern_server import LecternServer, free_port

    with tempfile.TemporaryDirectory(prefix="lectern-bench-inbox-") as tmp:
        remote = RemoteServer().start()
        alice = remote.add("alice", 1)
        shim = LecternServer(copy_project(Path(tmp) / "project"))
        ceiling_port = free_port()
        key_file = Path(tmp) / "alice.pem"
        key_file.write_text(
            alice.key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        ceiling = subprocess.Popen([sys.executable, __file__, "--serve-ceiling", str(ceiling_port), str(key_file)])
        try:
            results = {}
            for name, base in (("ceiling", f"http://127.0.0.1:{ceiling_port}"), ("lectern", shim.site_url)):
                if name == "ceiling":
                    wait_for_port(ceiling_port, ceiling)
                url = f"{base}/ap/actors/fractions/inbox"
                batch = []
                for _ in range(args.requests + 1):
                    activity = {
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": f"{alice.id}/likes/{uuid.uuid4()}",
                        "type": "Like",
                        "actor": alice.id,
                        "object": f"{shim.site_url}/ap/objects/fractions/x.json",
                    }
                    body = json.dumps(activity).encode()
                    headers = sign_post(url, body, key_id=alice.key_id, private_key=alice.key)
                    headers.pop("Host")
                    batch.append({"body": body.decode(), "headers": headers})
                warm = batch.pop()
                urllib.request.urlopen(
                    urllib.request.Request(url, data=warm["body"].encode(), method="POST", headers=warm["headers"]),
                    timeout=10,
                ).close()
                requests_file = Path(tmp) / f"{name}.json"
                requests_file.write_text(json.dumps(batch))
                output = subprocess.run(
                    [sys.executable, __file__, "--load", url, str(requests_file), str(args.concurrency)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results[name] = json.loads(output.stdout)
        finally:
            ceiling.terminate()
            shim.stop()
            remote.stop()
    for name, result in results.items():
        print(
            f"{name:>8}: {result['rate']:8.0f} requests/s  ({args.requests} in {result['seconds']:.2f} s, "
            f"statuses {result['statuses']})"
        )
    ratio = results["lectern"]["rate"] / results["ceiling"]["rate"]
    print(f"   ratio: {ratio:.2f} (target >= 0.6)")
    print(
        json.dumps(
            {
                "ceiling_rps": round(results["ceiling"]["rate"]),
                "lectern_rps": round(results["lectern"]["rate"]),
                "ratio": round(ratio, 3),
                "cores": os.cpu_count(),
            }
        )
    )


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    import socket

    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit("the minimal app exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the minimal app did not start")


if __name__ == "__main__":
    main()
