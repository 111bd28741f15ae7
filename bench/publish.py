"""Benchmark: `lectern publish` of a 5,000-resource build to an S3-compatible server on loopback.

    python bench/publish.py [--size 5000] [--workers 16] [--endpoint-url URL --bucket NAME]

It generates a corpus with `generate()` from bench/build.py (seeded: every run builds the same files), builds it
with `lectern build`, starts a moto server on a free loopback port (unless --endpoint-url is given), then publishes
four times into a fresh bucket: the first publish (everything goes up), a publish with no change, one after a single
page changed, and a no-change publish after the manifest was deleted (what a HEAD per object would cost). For each it
prints the wall time and the requests by operation, counted with a botocore event hook; PUTs are PutObject plus
UploadPart. Target: the no-change publish makes no PUT and takes under 10% of the first.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

PROJECT = Path(__file__).resolve().parent.parent
# This script is bench/publish.py: without bench/ on the path, `import publish` finds the package, not this file.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != PROJECT / "bench"]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from lectern.publish.aws_clients import new_session, s3_client  # noqa: E402
from lectern.publish.aws_errors import Place  # noqa: E402
from lectern.publish.bucket import Bucket  # noqa: E402
from lectern.publish.manifest import MANIFEST_PATH  # noqa: E402
from lectern.publish.publisher import PublishReport, PublishRequest, publish  # noqa: E402

RUNS = ("first", "no_change", "one_page_changed", "without_manifest")
SERVER = """
import logging, sys
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
"""


def load_generate() -> Any:
    spec = importlib.util.spec_from_file_location("bench_build", PROJECT / "bench" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


@contextmanager
def moto_server() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        port = process.stdout.readline().strip()
        if not port.isdigit():
            raise SystemExit("the moto server did not start: pip install 'moto[server]'")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stdin.close()
        process.wait(timeout=30)


class Counted:
    """A boto3 session that counts the S3 requests of its clients, by operation."""

    def __init__(self) -> None:
        self.session = new_session()  # what publish uses when given no session
        self.calls: Counter[str] = Counter()
        self.session.events.register("before-call.s3", self._count)

    def _count(self, model: Any, **kwargs: Any) -> None:
        self.calls[model.name] += 1

    def take(self) -> dict[str, int]:
        calls = dict(sorted(self.calls.items()))
        self.calls.clear()
        return calls


def timed(request: PublishRequest, counted: Counted) -> tuple[float, PublishReport, dict[str, int]]:
    started = time.perf_counter()
    report = publish(request, session=counted.session, progress_stream=sys.stderr)
    return time.perf_counter() - started, report, counted.take()


def build(root: Path, size: int) -> tuple[Path, float]:
    load_generate()(root, size)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "lectern.cli", "build", "--output", "output"],
        cwd=root,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return root / "output", time.perf_counter() - started


def bench(size: int, workers: int, endpoint: str | None, bucket: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"lectern-publish-{size}-") as tmp, moto_server() as local:
        url = endpoint or local
        if not endpoint:
            os.environ.update(
                AWS_ACCESS_KEY_ID="bench",
                AWS_SECRET_ACCESS_KEY="bench",
                AWS_DEFAULT_REGION="us-east-1",
                AWS_EC2_METADATA_DISABLED="true",
            )
        print(f"generating and building {size:,} resources ...", file=sys.stderr, flush=True)
        output, build_s = build(Path(tmp), size)
        files = [p for p in output.rglob("*") if p.is_file()]
        megabytes = round(sum(p.stat().st_size for p in files) / 1e6, 1)
        name = bucket or f"bench-{uuid.uuid4().hex[:10]}"
        s3 = boto3.client("s3", endpoint_url=url)
        if not bucket:
            s3.create_bucket(Bucket=name)
        request = PublishRequest(output_dir=output, bucket=name, endpoint_url=url, workers=workers)
        counted = Counted()
        runs: dict[str, Any] = {}
        for label in RUNS:
            if label == "one_page_changed":
                page = output / "collection-000" / "index.html"
                page.write_text(page.read_text(encoding="utf-8") + "<!-- edited -->\n", encoding="utf-8")
            if label == "without_manifest":  # the design not taken: a HEAD per object
                s3.delete_object(Bucket=name, Key=MANIFEST_PATH)
            print(f"publishing: {label.replace('_', ' ')} ...", file=sys.stderr, flush=True)
            seconds, report, calls = timed(request, counted)
            runs[label] = {
                "seconds": round(seconds, 3),
                "uploaded": len(report.uploaded),
                "puts": calls.get("PutObject", 0) + calls.get("UploadPart", 0),
                "requests": calls,
            }
        manifest = s3.head_object(Bucket=name, Key=MANIFEST_PATH)["ContentLength"]
        place = Place(name, url, None)
        started = time.perf_counter()
        Bucket(s3_client(place, workers), place, "").listing()
        listing_s = time.perf_counter() - started
    return {
        "resources": size,
        "files": len(files),
        "megabytes": megabytes,
        "build_s": round(build_s, 1),
        "workers": workers,
        "manifest_kb": round(manifest / 1000, 1),
        "listing_s": round(listing_s, 3),
        **runs,
        "no_change_share": round(runs["no_change"]["seconds"] / runs["first"]["seconds"], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=5000, help="resources in the corpus (default: 5000)")
    parser.add_argument("--workers", type=int, default=16, help="parallel uploads (default: 16)")
    parser.add_argument("--endpoint-url", help="publish to this S3-compatible endpoint instead of a local moto")
    parser.add_argument("--bucket", help="with --endpoint-url: an existing, empty bucket to publish into")
    args = parser.parse_args()
    result = bench(args.size, args.workers, args.endpoint_url, args.bucket)
    print(
        f"{result['resources']:,} resources -> {result['files']:,} files, {result['megabytes']} MB "
        f"(built in {result['build_s']} s); manifest {result['manifest_kb']} kB"
    )
    print(f"{'publish':<18} {'seconds':>8} {'uploaded':>9} {'PUTs':>6}  requests")
    for label in RUNS:
        run = result[label]
        requests = ", ".join(f"{op} {n}" for op, n in run["requests"].items())
        print(f"{label:<18} {run['seconds']:>8} {run['uploaded']:>9} {run['puts']:>6}  {requests}")
    print(f"(a bare listing of the bucket takes {result['listing_s']} s of the no-change publish)")
    verdict = "met" if result["no_change"]["puts"] == 0 and result["no_change_share"] < 0.1 else "NOT met"
    print(f"no-change / first = {result['no_change_share']:.1%}; target (0 PUTs, < 10%) {verdict}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
