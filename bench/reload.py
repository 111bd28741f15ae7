"""Benchmark: how soon `lectern serve --reload` serves an edited page.

    python bench/reload.py [--resources 1000] [--edits 10]

It generates the same corpus as bench/build.py, starts `lectern serve --reload` on a free loopback port, and then,
`--edits` times, changes the notes of one resource (a different one each time) and requests its page every 20 ms
until the page shows the change. It prints the median and the slowest time from saving the file to being served
the new page, and, beside it, `lectern build` of the same corpus from nothing (its anchor on this machine at this
moment). Target: median <= 1 s at 1,000 resources.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_build", HERE / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            text: str = answer.read().decode("utf-8")
            return text
    except (urllib.error.URLError, ConnectionError):
        return None


def wait_for(url: str, text: str, patience: float = 300.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < patience:
        page = fetch(url)
        if page is not None and text in page:
            return time.perf_counter() - started
        time.sleep(0.02)
    raise SystemExit(f"{url} did not show {text!r} within {patience:.0f} s")


def bench(size: int, edits: int) -> dict[str, float]:
    corpus = corpus_module()
    with tempfile.TemporaryDirectory(prefix=f"lectern-reload-{size}-") as tmp:
        root = Path(tmp)
        corpus.generate(root, size)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "lectern.cli", "build", "--output", "out-full"],
            cwd=root,
            check=True,
            capture_output=True,
        )
        full = time.perf_counter() - started
        port = free_port()
        site = f"http://127.0.0.1:{port}"
        log = open(root / "serve.log", "wb")  # noqa: SIM115 (closed below)
        server = subprocess.Popen(
            [sys.executable, "-m", "lectern.cli", "serve", "--reload", "--port", str(port), "--no-deliver"],
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(f"{site}/", "<html")
            sources = sorted((root / "content").glob("*/resource-*.md"))
            latencies = []
            for n in range(edits):
                source = sources[(n * 97) % len(sources)]
                marker = f"Reload benchmark edit {n}."
                source.write_text(source.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
                saved = time.perf_counter()
                url = f"{site}/{source.parent.name}/{source.stem}/"
                wait_for(url, marker)
                latencies.append(time.perf_counter() - saved)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
    return {
        "resources": size,
        "reload_median_s": round(statistics.median(latencies), 3),
        "reload_max_s": round(max(latencies), 3),
        "full_build_s": round(full, 2),
        "edits": edits,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args()
    result = bench(args.resources, args.edits)
    print(f"{'resources':>9} {'reload median s':>16} {'reload max s':>13} {'full build s':>13}")
    print(
        f"{result['resources']:>9} {result['reload_median_s']:>16} {result['reload_max_s']:>13} "
        f"{result['full_build_s']:>13}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
