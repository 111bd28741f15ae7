"""Benchmark: `lectern build` against plain Pelican on the same Markdown, from nothing and after one edit.

    python bench/build.py [--sizes 1000 5000] [--repeat 3] [--baseline CHECKOUT] [--edit notes|summary]

For each size it generates a corpus (seeded, so every run builds the same files) of collections and resources in
Lectern's format, then, in each round, each build in its own process, alternating Lectern and Pelican:

- full: `lectern build` from nothing (no output, no build cache) and plain Pelican (same Markdown, no plugin,
  Pelican's default theme, no cache);
- rebuild: one resource's notes edited (`--edit summary`: its summary, a field, which takes Lectern's incremental
  build rather than a quick rebuild: `lectern.quick_rebuild`), then `lectern build` again over its previous output
  and cache, and plain Pelican again with its own content cache (`CACHE_CONTENT`, `LOAD_CONTENT_CACHE`, filled by an
  untimed run before the edit).

It prints the median wall time of each, the full-build ratio (Lectern / Pelican), each rebuild as a fraction of its
own full build, the peak memory of the full builds (max RSS of the build process; the JSON also gives the largest
of its child processes, among them the writer process that creates the files, `generator.background_files`), and the
median CPU time of the full builds, user and system, the child processes' included (on a shared machine the system
time of creating files swings with what the others' processes write, and with it the wall time: Lectern creates five
times as many files as Pelican).
Earlier rounds' outputs are moved aside, not deleted, until every build is timed. On ext4 without a journal (this
development machine's file system), the kernel does not reuse an inode deleted in the last 60 seconds (300 while
its inode table block is unwritten: `recently_deleted` in fs/ext4/ialloc.c), and each file created then steps over
the recently deleted ones: right after deleting a 5,000-resource site's 31,000 files, creating a file took 0.25 to
1 ms instead of 25 to 35 us (perf: 56 to 68% of the build's samples in `recently_deleted` and the buffer lookups it
makes), which timed the deletion of the round before, not the build, and weighed on whichever tool writes more files.

Targets: full ratio <= 1.0, Lectern's peak memory <= 1.5x Pelican's, Lectern's rebuild <= 0.1x its full build.
"""

from __future__ import annotations

import argparse
import json
import os
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
usage = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print("MAXRSS_KB", usage.ru_maxrss, children.ru_maxrss, file=sys.stderr)
print("CPU_S", usage.ru_utime + children.ru_utime, usage.ru_stime + children.ru_stime, file=sys.stderr)
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
    (root / "plaincache.py").write_text(
        "from plainconf import *\nCACHE_CONTENT = True\nLOAD_CONTENT_CACHE = True\nCACHE_PATH = 'cache-plain'\n",
        encoding="utf-8",
    )


def edited_resource(root: Path) -> Path:
    """The resource file in the middle of the corpus, the one the rebuilds follow an edit of."""
    return sorted((root / "content").glob("*/resource-*.md"))[len(list((root / "content").glob("*/*.md"))) // 2]


def edit_one_resource(root: Path, round_number: int) -> None:
    """Change the notes of one resource in the middle of the corpus, differently in each round."""
    path = edited_resource(root)
    text = path.read_text(encoding="utf-8").split("\n\nEdited in round", 1)[0].rstrip("\n")
    path.write_text(f"{text}\n\nEdited in round {round_number}.\n", encoding="utf-8")


def edit_one_summary(root: Path, round_number: int) -> None:
    """Change a field of the same resource, its summary (shown on its page, its collection's and tags' pages, in its
    Note and the activities and outboxes holding it, the feeds, the cartridge and the search index)."""
    path = edited_resource(root)
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("summary:"))
    lines[number] = lines[number].split(" Revised in round", 1)[0] + f" Revised in round {round_number}."
    path.write_text("\n".join(lines), encoding="utf-8")


EDITS = {"notes": edit_one_resource, "summary": edit_one_summary}


def run(
    root: Path, command: list[str], checkout: Path | None = None
) -> tuple[float, tuple[int, int], tuple[float, float]]:
    """Run `command` in its own process; with `checkout`, Lectern's code is that checkout's."""
    env = dict(os.environ, PYTHONPATH=os.fspath(checkout)) if checkout is not None else None
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], cwd=root, capture_output=True, text=True, env=env
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    lines = result.stderr.splitlines()
    own, children = next(tuple(map(int, line.split()[1:3])) for line in lines if line.startswith("MAXRSS_KB"))
    user, system = next(tuple(map(float, line.split()[1:3])) for line in lines if line.startswith("CPU_S"))
    return elapsed, (own, children), (user, system)


KEYS = ["lectern.cli", "keys", "public"]
LECTERN = ["lectern.cli", "build", "--output", "out-lectern"]
BASELINE = ["lectern.cli", "build", "--output", "out-baseline"]
PELICAN = ["pelican", "content", "-o", "out-plain", "-s", "plainconf.py", "-q"]
PELICAN_CACHED = ["pelican", "content", "-o", "out-cached", "-s", "plaincache.py", "-q"]


def set_aside(root: Path, folder: str, round_number: int) -> None:
    """Move an earlier round's output out of the way without deleting it (see the module docstring)."""
    if (root / folder).exists():
        (root / "set-aside").mkdir(exist_ok=True)
        (root / folder).rename(root / "set-aside" / f"{folder.lstrip('.')}-{round_number}")


def bench(size: int, repeat: int, workspace: Path, baseline: Path | None, edit: str = "notes") -> dict[str, float]:
    root = workspace / f"site-{size}"
    generate(root, size)
    # the site's key pair, which a site's first build creates once: made before the timed builds, so that this
    # code's first full build does not pay for it while the baseline's never does (8 MB more at its peak)
    run(root, KEYS)
    builds: list[tuple[str, list[str], Path | None]] = [("lectern", LECTERN, None)]
    if baseline is not None:
        builds.append(("baseline", BASELINE, baseline))
    names = ["pelican", *(name for name, _, _ in builds)]
    times: dict[str, list[float]] = {key: [] for name in names for key in (name, f"{name}_rebuild")}
    memory: dict[str, int] = dict.fromkeys(names, 0)
    children: dict[str, int] = dict.fromkeys(names, 0)
    cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for round_number in range(repeat):
        for folder in ("out-lectern", "out-baseline", ".lectern-cache", "out-plain", "out-cached", "cache-plain"):
            set_aside(root, folder, round_number)
        run(root, PELICAN_CACHED)  # fills Pelican's content cache for its rebuild; not timed
        ordered = builds if round_number % 2 == 0 else builds[::-1]  # this code and the baseline take turns first
        for name, command, checkout in [("pelican", PELICAN, None), *ordered]:
            elapsed, maxrss, used = run(root, command, checkout)
            times[name].append(elapsed)
            memory[name] = max(memory[name], maxrss[0])
            children[name] = max(children[name], maxrss[1])
            cpu[name].append(used)
        EDITS[edit](root, round_number)
        for name, command, checkout in [("pelican", PELICAN_CACHED, None), *ordered]:
            times[f"{name}_rebuild"].append(run(root, command, checkout)[0])
    files = sum(1 for p in (root / "out-lectern").rglob("*") if p.is_file())
    median = {name: statistics.median(values) for name, values in times.items()}
    compared = (
        {
            "baseline_s": round(median["baseline"], 2),
            "baseline_ratio": round(median["baseline"] / median["pelican"], 3),
            "baseline_peak_mb": round(memory["baseline"] / 1024, 1),
            "baseline_rebuild_s": round(median["baseline_rebuild"], 2),
            "baseline_rebuild_ratio": round(median["baseline_rebuild"] / median["baseline"], 3),
        }
        if baseline is not None
        else {}
    )
    return {
        "resources": size,
        "lectern_s": round(median["lectern"], 2),
        "pelican_s": round(median["pelican"], 2),
        "ratio": round(median["lectern"] / median["pelican"], 3),
        "lectern_peak_mb": round(memory["lectern"] / 1024, 1),
        "pelican_peak_mb": round(memory["pelican"] / 1024, 1),
        "lectern_children_peak_mb": round(children["lectern"] / 1024, 1),
        "lectern_rebuild_s": round(median["lectern_rebuild"], 2),
        "lectern_rebuild_ratio": round(median["lectern_rebuild"] / median["lectern"], 3),
        "pelican_rebuild_s": round(median["pelican_rebuild"], 2),
        "pelican_rebuild_ratio": round(median["pelican_rebuild"] / median["pelican"], 3),
        "lectern_files": files,
        **{
            f"{name}_cpu_{kind}_s": round(statistics.median(u[i] for u in cpu[name]), 2)
            for name in cpu
            for i, kind in enumerate(("user", "sys"))
        },
        **compared,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--edit",
        choices=sorted(EDITS),
        default="notes",
        help="what the rebuilds follow an edit of: a resource's notes (a quick rebuild) or its summary (a field)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="CHECKOUT",
        help="also build with the Lectern code of this checkout (e.g. a worktree of main), taking turns with this "
        "one in each round: before and after, measured side by side",
    )
    args = parser.parse_args()
    print(
        f"{'resources':>9} {'lectern s':>10} {'pelican s':>10} {'ratio':>6} {'lectern MB':>11} {'pelican MB':>11} "
        f"{'lectern rebuild s':>18} {'/ full':>6} {'pelican rebuild s':>18} {'/ full':>6} "
        f"{'lectern cpu user+sys':>21} {'pelican cpu user+sys':>21}"
    )
    results = []
    workspace = Path(tempfile.mkdtemp(prefix="lectern-bench-"))
    for size in args.sizes:
        try:
            r = bench(size, args.repeat, workspace, args.baseline.resolve() if args.baseline else None, args.edit)
        except BaseException:
            shutil.rmtree(workspace, ignore_errors=True)
            raise
        results.append(r)
        print(
            f"{r['resources']:>9} {r['lectern_s']:>10} {r['pelican_s']:>10} {r['ratio']:>6} "
            f"{r['lectern_peak_mb']:>11} {r['pelican_peak_mb']:>11} {r['lectern_rebuild_s']:>18} "
            f"{r['lectern_rebuild_ratio']:>6} {r['pelican_rebuild_s']:>18} {r['pelican_rebuild_ratio']:>6} "
            f"{str(r['lectern_cpu_user_s']) + '+' + str(r['lectern_cpu_sys_s']):>21} "
            f"{str(r['pelican_cpu_user_s']) + '+' + str(r['pelican_cpu_sys_s']):>21}",
            flush=True,
        )
        if args.baseline:
            print(
                f"{'baseline':>9} {r['baseline_s']:>10} {'':>10} {r['baseline_ratio']:>6} {r['baseline_peak_mb']:>11} "
                f"{'':>11} {r['baseline_rebuild_s']:>18} {r['baseline_rebuild_ratio']:>6}",
                flush=True,
            )
    print(json.dumps(results))
    shutil.rmtree(workspace, ignore_errors=True)  # after every timed build (see the module docstring)


if __name__ == "__main__":
    main()
