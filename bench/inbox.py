"""Benchmark: signed POSTs to the inbox of `lectern serve`, against a minimal Starlette app that does only the
unavoidable work (check the Digest, verify the RSA signature), measured in the same run.

    python bench/inbox.py [--requests 6000] [--concurrency 32]

Both servers run under uvicorn, one worker each, on loopback; the load comes from a separate process using aiohttp,
with requests signed beforehand (draft-cavage, rsa-sha256, unique activity ids) so signing is not timed. The key is
already cached by the shim (one warm-up request). Lectern's inbox does everything it does in production: size limit,
JSON, blocked domains, signature with the key from its cache, signer == actor, de-duplication, dispatch (the activity
is a Like, answered 202 and ignored). Target: Lectern >= 0.6 x the minimal app.

    python bench/inbox.py --workers 2 [--database postgresql://...]

adds, in the same run, the shim under uvicorn with one web worker and with N (`uvicorn --workers N --factory
lectern.shim_app:app_from_environment`, one port; the kernel spreads connections over the workers), on the database
given (a database of its own: the shim makes its tables there) or SQLite. Each is started afresh for each round.
Server CPU per request counts every worker process, and the PostgreSQL server's processes when it runs on this
machine. Target (issue 15): N = 2 workers >= 1.6 x one worker's rate, though the load generator and PostgreSQL share
the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
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
    """Send the pre-signed requests over `concurrency` kept-alive connections with Lectern's own lean client (about a
    tenth of aiohttp's CPU per request), so the load generator takes as little as possible of the shared cores."""
    from lectern.federation_shim import InboxClient

    statuses: dict[int, int] = {}
    queue = list(reversed(requests))
    client = InboxClient(allow_private_addresses=True, timeout=30, idle_per_host=concurrency)

    async def worker() -> None:
        while queue:
            body, headers = queue.pop()
            result = await client.post(url, headers, body)
            statuses[result.status] = statuses.get(result.status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await client.close()
    return {"seconds": elapsed, "rate": len(requests) / elapsed, "statuses": statuses}


def run_load(url: str, requests_file: str, concurrency: int) -> None:
    from lectern.federation_shim import run_event_loop

    raw = json.loads(Path(requests_file).read_text())
    requests = [(item["body"].encode(), item["headers"]) for item in raw]
    print(json.dumps(run_event_loop(load(url, requests, concurrency))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="runs per server, alternated; the median is reported")
    parser.add_argument("--workers", type=int, help="also measure the shim with 1 and with this many web workers")
    parser.add_argument("--database", help="with --workers: the shim's database (postgresql://...); default SQLite")
    parser.add_argument("--serve-ceiling", nargs=2, metavar=("PORT", "KEY_FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--load", nargs=3, metavar=("URL", "REQUESTS", "CONCURRENCY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_ceiling:
        return serve_ceiling(int(args.serve_ceiling[0]), args.serve_ceiling[1])
    if args.load:
        return run_load(args.load[0], args.load[1], int(args.load[2]))

    from cryptography.hazmat.primitives import serialization

    from tests.conftest import copy_project
    from tests.federation_shim.remote_actors import RemoteServer
    from tests.lectern_server import LecternServer, free_port

    with tempfile.TemporaryDirectory(prefix="lectern-bench-inbox-") as tmp:
        remote = RemoteServer().start()
        alice = remote.add("alice", 1)
        shim = LecternServer(copy_project(Path(tmp) / "project"), verbose=False)  # as in production: no access log
        ceiling_port = free_port()
        key_file = Path(tmp) / "alice.pem"
        key_file.write_text(
            alice.key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        ceiling = subprocess.Popen([sys.executable, __file__, "--serve-ceiling", str(ceiling_port), str(key_file)])
        try:
            wait_for_port(ceiling_port, ceiling)
            servers = {
                "ceiling": (f"http://127.0.0.1:{ceiling_port}", ceiling.pid),
                "lectern": (shim.site_url, shim.process.pid),
            }
            pooled = [1, args.workers] if args.workers else []
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name in [*servers, *map(pooled_name, pooled)]}
            for round_number in range(args.rounds):  # alternated, so both see the same machine
                for name, (base, pid) in servers.items():
                    run = measure(name, base, [pid], alice, shim.site_url, args, Path(tmp) / f"{name}-{round_number}")
                    runs[name].append(run)
                for workers in pooled:
                    with uvicorn_workers(shim.project, workers, args.database) as (base, pids):
                        name = pooled_name(workers)
                        run = measure(name, base, pids, alice, base, args, Path(tmp) / f"{name}-{round_number}")
                        runs[name].append(run)
        finally:
            ceiling.terminate()
            shim.stop()
            remote.stop()
    results = {name: median_run(found) for name, found in runs.items()}
    rates = {name: ", ".join(f"{run['rate']:.0f}" for run in found) for name, found in runs.items()}
    for name, result in results.items():
        print(
            f"{name:>8}: {result['rate']:8.0f} requests/s, {result['cpu_us_per_request']:5.0f} µs of server CPU per "
            f"request{database_share(result)} (median of {args.rounds} runs of {args.requests}; rates "
            f"{rates[name]}; statuses {result['statuses']})"
        )
    if args.workers:
        one, many = results[pooled_name(1)], results[pooled_name(args.workers)]
        alone, together = one["rate_with_a_core_each"], many["rate_with_a_core_each"]
        print(
            f" workers: {args.workers} workers {many['rate'] / one['rate']:.2f} x one worker's rate on "
            f"{'PostgreSQL' if args.database else 'SQLite'} (target >= 1.6 for 2); with a core each (requests over "
            f"the busiest worker's CPU seconds) {together:.0f}/s against {alone:.0f}/s: {together / alone:.2f} x"
        )
    ratio = results["lectern"]["rate"] / results["ceiling"]["rate"]
    cpu_ratio = results["ceiling"]["cpu_us_per_request"] / results["lectern"]["cpu_us_per_request"]
    print(f"   ratio: {ratio:.2f} in requests/s, {cpu_ratio:.2f} in server CPU per request (target >= 0.6)")
    print(
        json.dumps(
            {
                "ceiling_rps": round(results["ceiling"]["rate"]),
                "lectern_rps": round(results["lectern"]["rate"]),
                "ratio": round(ratio, 3),
                "ceiling_cpu_us_per_request": round(results["ceiling"]["cpu_us_per_request"]),
                "lectern_cpu_us_per_request": round(results["lectern"]["cpu_us_per_request"]),
                "cpu_ratio": round(cpu_ratio, 3),
                "cores": os.cpu_count(),
            }
            | {f"{name}_rps": round(result["rate"]) for name, result in results.items() if name.startswith("workers")}
            | {
                f"{name}_rps_with_a_core_each": round(result["rate_with_a_core_each"])
                for name, result in results.items()
                if name.startswith("workers")
            }
            | {
                f"{name}_database_cpu_us_per_request": round(result["database_cpu_us_per_request"])
                for name, result in results.items()
                if name.startswith("workers")
            }
            | {
                f"{name}_cpu_us_per_request": round(result["cpu_us_per_request"])
                for name, result in results.items()
                if name.startswith("workers")
            }
        )
    )


def database_share(result: dict[str, Any]) -> str:
    share = result.get("database_cpu_us_per_request")
    return f", of which {share:.0f} µs in PostgreSQL" if share else ""


def pooled_name(workers: int) -> str:
    return f"workers{workers}"


def measure(
    name: str, base: str, pids: list[int], alice: Any, site_url: str, args: argparse.Namespace, stem: Path
) -> dict[str, Any]:
    """One run of `args.requests` signed Likes at the inbox at `base`, after a few warm-up requests (one per worker
    and more, so each worker has its view of the build); its rate and the CPU of `pids` (and of their children, and
    of the PostgreSQL server on this machine when `args.database` names one) per request."""
    url = f"{base}/ap/actors/fractions/inbox"
    warm_up = 16
    batch = signed_likes(url, alice, site_url, args.requests + warm_up)
    for warm in batch[args.requests :]:
        urllib.request.urlopen(
            urllib.request.Request(url, data=warm["body"].encode(), method="POST", headers=warm["headers"]),
            timeout=10,
        ).close()
    requests_file = stem.with_suffix(".json")
    requests_file.write_text(json.dumps(batch[: args.requests]))
    database = args.database if name.startswith("workers") else None
    web_before, database_before = cpu_seconds(pids), database_cpu_seconds(database)
    each_before = [process_cpu_seconds(pid) for pid in pids]
    output = subprocess.run(
        [sys.executable, __file__, "--load", url, str(requests_file), str(args.concurrency)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(output.stdout)
    web, in_database = cpu_seconds(pids) - web_before, database_cpu_seconds(database) - database_before
    result["cpu_us_per_request"] = (web + in_database) / args.requests * 1e6
    result["database_cpu_us_per_request"] = in_database / args.requests * 1e6
    # the rate the workers would reach with a core each (the load generator and PostgreSQL elsewhere): the requests
    # over the CPU seconds of the busiest process
    busiest = max(process_cpu_seconds(pid) - before for pid, before in zip(pids, each_before, strict=True))
    result["rate_with_a_core_each"] = args.requests / busiest
    return result


@contextlib.contextmanager
def uvicorn_workers(project: Path, workers: int, database: str | None) -> Iterator[tuple[str, list[int]]]:
    """The shim alone under `uvicorn --workers N` on a free port, with the build made for that port's URL: its base
    URL and the process ids of uvicorn and its workers."""
    from tests.lectern_server import free_port
    from tests.server_process import ServerProcess

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LECTERN_SITE_URL": base, "LECTERN_ALLOW_PRIVATE_ADDRESSES": "1", "PYTHONPATH": str(PROJECT)}
    if database:
        env["LECTERN_DATABASE_URL"] = database
    subprocess.run(
        [sys.executable, "-m", "lectern.cli", "build"], cwd=project, env=env, check=True, capture_output=True
    )
    command = [sys.executable, "-m", "uvicorn", "--factory", "lectern.shim_app:app_from_environment"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    server = ServerProcess(f"uvicorn x{workers}", command, project, env, project / f"uvicorn-{port}.log")
    try:
        server.wait_until_answers(f"{base}/.well-known/webfinger?resource=acct:fractions@127.0.0.1:{port}", 60.0)
        pids = [server.process.pid]
        while len(pids) < workers + (workers > 1):  # with several workers, uvicorn's own process and theirs
            time.sleep(0.1)
            pids = [server.process.pid, *children(server.process.pid)]
        yield base, pids
    finally:
        server.stop()


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def cpu_seconds(pids: list[int]) -> float:
    return sum(process_cpu_seconds(pid) for pid in pids)


def database_cpu_seconds(database: str | None) -> float:
    """CPU seconds used so far by the PostgreSQL server `database` names, when it runs on this machine; else 0."""
    if not database:
        return 0.0
    from bench.delivery import server_cpu_seconds

    return server_cpu_seconds(database) or 0.0


def signed_likes(url: str, alice: Any, site_url: str, count: int) -> list[dict[str, Any]]:
    from lectern.federation_shim import sign_post

    batch = []
    for _ in range(count):
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{alice.id}/likes/{uuid.uuid4()}",
            "type": "Like",
            "actor": alice.id,
            "object": f"{site_url}/ap/objects/fractions/x.json",
        }
        body = json.dumps(activity).encode()
        headers = sign_post(url, body, key_id=alice.key_id, private_key=alice.key)
        headers.pop("Host")
        batch.append({"body": body.decode(), "headers": headers})
    return batch


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return sorted(runs, key=lambda run: run["rate"])[len(runs) // 2]


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
