"""Benchmark: `lectern build` against plain Pelican on the same Markdown.

    python bench/build.py [--sizes 1000 5000] [--repeat 3]

For each size it generates a corpus (seeded, so every run builds the same files) of collections and resources in
Lectern's format, then builds it alternately with `lectern build` (our plugin and theme: HTML plus every ActivityPub
document) and with plain Pelican (same Markdown, no plugin, Pelican's default theme), each in its own process.
It prints the median wall time of each, their ratio, and each build's peak memory (max RSS of the build process).
Target: ratio <= 1.2 at both sizes.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
WORDS = (
    "fraction number line ratio energy motion cell membrane loop function variable proof triangle graph "
    "measure reading writing history map climate water plant animal force wave light circuit code list "
    "students practice explain compare model data pattern sequence equation estimate"
).split()
LEVELS = ("primary", "lower secondary", "upper secondary", "higher education")
TYPES = ("textbook", "video", "worksheet", "lesson plan", "simulation", "exercise")
LICENSES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-SA-4.0", "CC0-1.0")

MEASURE = """
import resource, sys, runpy
sys.argv = sys.argv[1:]
try:
    runpy.run_module(sys.argv[0], run_name="__main__")
except SystemExit as exit:
    if exit.code not in (0, None):
        raise
print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def generate(root: Path, size: int) -> None:
    rng = random.Random(size)
    collections = max(2, size // 100)
    content = root / "content"
    for c in range(collections):
        folder = content / f"collection-{c:03d}"
        folder.mkdir(parents=True)
        (folder / "collection.md").write_text(
            f"---\ntitle: Collection {c}\nsummary: {sentence(rng, 12)}\ncurator: Teacher {c}\nlanguage: en\n"
            f"tags: {rng.choice(WORDS)}, {rng.choice(WORDS)}\n---\n{sentence(rng, 30)}\n",
            encoding="utf-8",
        )
    for r in range(size):
        folder = content / f"collection-{r % collections:03d}"
        notes = "\n\n".join(sentence(rng, rng.randint(20, 60)) for _ in range(rng.randint(2, 5)))
        text = (
            f"---\ntitle: Resource {r}: {sentence(rng, 5)[:-1]}\nsummary: {sentence(rng, 25)}\n"
            f"link: https://oer.example.org/{r}\nlicense: {rng.choice(LICENSES)}\nlanguage: en\n"
            f"level: {rng.choice(LEVELS)}\nsubjects: {rng.choice(WORDS)}, {rng.choice(WORDS)}\n"
            f"type: {rng.choice(TYPES)}\ntags: {rng.choice(WORDS)}, {rng.choice(WORDS)}_{r % 7}\n"
            f"authors: Author {r % 50}\nadded: 2024-{1 + r % 12:02d}-{1 + r % 28:02d} {r % 24:02d}:{r % 60:02d}\n"
            f"---\n{notes}\n\n- {sentence(rng, 6)}\n- {sentence(rng, 6)}\n"
        )
        (folder / f"resource-{r:05d}.md").write_text(text, encoding="utf-8")
    shutil.copy(PROJECT / "pelicanconf.py", root / "pelicanconf.py")
    shutil.copytree(PROJECT / "themes", root / "themes")
    (root / "plainconf.py").write_text(
        "SITENAME = 'Plain'\nSITEURL = 'http://127.0.0.1:8000'\nPATH = 'content'\nTIMEZONE = 'UTC'\n"
        "DEFAULT_DATE = (2024, 1, 1)\nIGNORE_FILES = ['.#*', 'collection.md']\nPLUGINS = []\n",
        encoding="utf-8",
    )


def run(root: Path, command: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=root, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    maxrss = next(int(line.split()[1]) for line in result.stderr.splitlines() if line.startswith("MAXRSS_KB"))
    return elapsed, maxrss


def bench(size: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"lectern-bench-{size}-") as tmp:
        root = Path(tmp)
        generate(root, size)
        lectern_cmd = ["lectern.cli", "build", "--output", "out-lectern"]
        pelican_cmd = ["pelican", "content", "-o", "out-plain", "-s", "plainconf.py", "-q"]
        times: dict[str, list[float]] = {"lectern": [], "pelican": []}
        memory: dict[str, int] = {"lectern": 0, "pelican": 0}
        for _ in range(repeat):
            for name, command in (("pelican", pelican_cmd), ("lectern", lectern_cmd)):
                shutil.rmtree(root / f"out-{'plain' if name == 'pelican' else 'lectern'}", ignore_errors=True)
                elapsed, maxrss = run(root, command)
                times[name].append(elapsed)
                memory[name] = max(memory[name], maxrss)
        files = sum(1 for p in (root / "out-lectern").rglob("*") if p.is_file())
    lectern_s, pelican_s = statistics.median(times["lectern"]), statistics.median(times["pelican"])
    return {
        "resources": size,
        "lectern_s": round(lectern_s, 2),
        "pelican_s": round(pelican_s, 2),
        "ratio": round(lectern_s / pelican_s, 3),
        "lectern_peak_mb": round(memory["lectern"] / 1024, 1),
        "pelican_peak_mb": round(memory["pelican"] / 1024, 1),
        "lectern_files": files,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'resources':>9} {'lectern s':>10} {'pelican s':>10} {'ratio':>6} {'lectern MB':>11} {'pelican MB':>11}")
    results = []
    for size in args.sizes:
        r = bench(size, args.repeat)
        results.append(r)
        print(
            f"{r['resources']:>9} {r['lectern_s']:>10} {r['pelican_s']:>10} {r['ratio']:>6} "
            f"{r['lectern_peak_mb']:>11} {r['pelican_peak_mb']:>11}",
            flush=True,
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
