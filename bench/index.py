"""Benchmark: the discovery index's ingestion rate and search latency at 100,000 resources.

    python bench/index.py [--resources 100000] [--collections 50] [--batch 500] [--repeat 30] [--db PATH]

It generates resources (seeded: every run the same) across collections on five instances, turns each into the Note
and Create the generator publishes (`generator.objects.resource_to_note` / `resource_to_create`, the real code),
serialises them to JSON as they travel, and then, timed, parses each and feeds it in batches to
`discovery_index.ingest.ingest`, the function the inbox uses, into a SQLite + FTS5 store on disk. Then it runs a
fixed set of realistic queries, with and without filters (and a few with full-text syntax typed in), each
`--repeat` times with the result cache off, and prints the ingestion rate and the search latency p50/p99, by the
wall clock and in CPU time (the work is single-threaded: on an idle core the two agree; on a shared machine the
CPU time is the figure that does not move with the neighbours' load).

Targets: ingestion >= 2,000 resources/s; search p99 under 50 ms at 100,000 resources. The load average is printed
with the figures: on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from lectern.discovery_index.ingest import Delivery, ingest  # noqa: E402
from lectern.discovery_index.records import CollectionRecord, FollowState  # noqa: E402
from lectern.discovery_index.sqlite_store import SqliteIndexStore  # noqa: E402
from lectern.discovery_index.storage import SearchQuery  # noqa: E402
from lectern.generator.content_model import LEVELS, RESOURCE_TYPES, Collection, Resource  # noqa: E402
from lectern.generator.licenses import find_license  # noqa: E402
from lectern.generator.objects import resource_to_create, resource_to_note  # noqa: E402
from lectern.site_paths import SitePaths  # noqa: E402

TOPICS = {
    "fractions": "fraction fractions numerator denominator equivalent halves thirds quarters number line compare",
    "algebra": "algebra equation equations variable linear quadratic factor expression solve inequality",
    "geometry": "geometry triangle angle circle area perimeter polygon proof congruent similar",
    "statistics": "statistics probability data mean median distribution sample chance graph survey",
    "calculus": "calculus derivative integral limit function rate change slope series",
    "python": "python programming loops functions variables lists code beginners debugging strings",
    "web": "html css javascript web pages accessibility forms layout browser design",
    "physics": "physics force motion newton energy momentum pendulum waves gravity friction",
    "electricity": "electricity circuit current voltage resistance magnet battery charge ohm",
    "chemistry": "chemistry atoms molecules reaction bonds periodic table acids bases moles",
    "biology": "biology cell cells membrane mitosis photosynthesis enzymes organism tissue dna",
    "genetics": "genetics genes dna heredity mutation chromosome allele inheritance traits evolution",
    "ecology": "ecology ecosystem food web climate habitat species biodiversity population carbon",
    "earth": "earth rocks volcano earthquake plates erosion weather water cycle minerals",
    "astronomy": "astronomy planets stars moon solar system telescope galaxy orbit light",
    "history": "history revolution empire war ancient medieval sources timeline civilization trade",
    "geography": "geography maps rivers mountains countries cities population migration climate regions",
    "literature": "literature poetry novel reading shakespeare story characters theme narrative drama",
    "writing": "writing essay grammar paragraph argument punctuation drafting editing sentences style",
    "spanish": "spanish verbs vocabulario gramática lectura conjugación español frases conversación",
    "french": "french verbes vocabulaire grammaire lecture conjugaison français phrases dialogue",
    "music": "music rhythm melody notes scales instruments harmony composition singing listening",
    "art": "art drawing painting colour perspective sculpture artists portrait design museum",
    "economics": "economics markets supply demand prices money trade inflation budget business",
    "civics": "civics democracy government rights constitution citizenship elections law voting",
}
COMMON = (
    "the and of to in for with a an on by from your students teachers lesson class unit introduction guide "
    "practice activity activities open free course notes examples exercises questions answers worksheet video "
    "chapter book online interactive simple first steps basics advanced review project study learning"
).split()
LANGUAGES = ("en",) * 12 + ("es",) * 4 + ("fr",) * 2 + ("pt-BR", "de")
LICENSES = ("CC-BY-4.0",) * 5 + ("CC-BY-SA-4.0",) * 3 + ("CC-BY-NC-SA-4.0",) * 1 + ("CC0-1.0",) * 1 + ("MIT",)
INSTANCES = ("oer.example.edu", "library.school.example", "open.uni.example", "maths.hub.example", "aula.example.es")

QUERIES: list[tuple[str, str, dict[str, tuple[str, ...]]]] = [
    ("one word", "photosynthesis", {}),
    ("one word", "fractions", {}),
    ("one word, common", "introduction", {}),
    ("two words", "equivalent fractions", {}),
    ("three words", "newton laws motion", {}),
    ("three words", "python loops beginners", {}),
    ("words from two topics (OR fallback)", "volcano shakespeare", {}),
    ("word + language", "verbs", {"language": ("es",)}),
    ("word + level", "fractions", {"level": ("primary",)}),
    ("word + type + license", "genetics", {"type": ("video",), "license": ("https://creativecommons.org/licenses/by/4.0/",)}),
    ("word + subject + instance", "energy", {"subject": ("physics",), "instance": ("open.uni.example",)}),
    ("two words + 2 levels", "climate ecosystem", {"level": ("lower secondary", "upper secondary")}),
    ("browse, no words", "", {}),
    ("browse + language", "", {"language": ("fr",)}),
    ("browse + level + type", "", {"level": ("primary",), "type": ("worksheet",)}),
    ("typed syntax", 'fractions OR "NEAR(x y" *', {}),
    ("typed syntax", "(algebra - ", {}),
]  # fmt: skip


def generate(resources: int, collections: int, seed: int = 7) -> list[tuple[CollectionRecord, bytes]]:
    rng = random.Random(seed)
    topics = list(TOPICS)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    made: list[tuple[CollectionRecord, bytes]] = []
    per_collection = resources // collections
    for number in range(collections):
        host = INSTANCES[number % len(INSTANCES)]
        paths = SitePaths(f"https://{host}")
        topic = topics[number % len(topics)]
        slug = f"{topic}-{number}"
        collection = Collection(slug, f"{topic.title()} {number}", "A collection.", "Curator", "en", (), None, "", "")
        record = CollectionRecord(
            paths.actor(slug), host, f"@{slug}@{host}", "Group", collection.title, "", "Curator",
            paths.collection_page(slug), paths.inbox(slug), follow_state=FollowState.ACCEPTED,
        )  # fmt: skip
        words = TOPICS[topic].split()
        for index in range(per_collection):
            title_words = rng.sample(words, 2) + rng.sample(COMMON, rng.randint(1, 4))
            rng.shuffle(title_words)
            summary = " ".join(rng.choice(words) if rng.random() < 0.3 else rng.choice(COMMON) for _ in range(30))
            added = start + timedelta(minutes=rng.randint(0, 900_000))
            resource = Resource(
                collection=slug,
                slug=f"r{index}",
                title=" ".join(title_words).capitalize(),
                summary=summary.capitalize() + ".",
                link=f"https://material.example/{slug}/{index}",
                files=(),
                license=find_license(rng.choice(LICENSES)),  # type: ignore[arg-type]
                language=rng.choice(LANGUAGES),
                levels=tuple(sorted(rng.sample(LEVELS[1:6], rng.randint(1, 2)))),
                subjects=(topic, rng.choice(topics)),
                resource_type=rng.choice(RESOURCE_TYPES),
                tags=tuple(rng.sample(words, rng.randint(0, 3))),
                authors=(f"Author {rng.randint(1, 500)}",),
                added=added,
                updated=None,
                notes="",
                source_path="",
            )
            note = resource_to_note(resource, collection, paths)
            made.append((record, json.dumps(resource_to_create(note, paths, resource)).encode()))
    return made


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--collections", type=int, default=50)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", help="the SQLite file (default: a temporary folder)")
    args = parser.parse_args()

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    started = time.perf_counter()
    deliveries = generate(args.resources, args.collections)
    print(f"generated {len(deliveries):,} Creates with the generator's code in {time.perf_counter() - started:.1f} s")

    with tempfile.TemporaryDirectory() as folder:
        store = SqliteIndexStore(Path(args.db) if args.db else Path(folder) / "index.sqlite3", cache_results=False)
        for record in {record.actor_id: record for record, _ in deliveries}.values():
            store.save_collection(record)
        started = time.perf_counter()
        cpu_started = time.process_time()
        for first in range(0, len(deliveries), args.batch):
            batch = [Delivery(json.loads(body), record) for record, body in deliveries[first : first + args.batch]]
            report = ingest(store, batch)
            assert report.applied.upserted == len(batch), report
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        print(
            f"ingested {len(deliveries):,} resources in {seconds:.1f} s: {len(deliveries) / seconds:,.0f} resources/s "
            f"(CPU {cpu:.1f} s: {len(deliveries) / cpu:,.0f} resources/s of CPU; batches of {args.batch})"
        )

        latencies: list[float] = []
        cpu_latencies: list[float] = []
        print(f"\n{'query':<40} {'total':>7} {'p50 ms':>8} {'p99 ms':>8} {'CPU p50':>8} {'CPU p99':>8}")
        for label, text, filters in QUERIES:
            query = SearchQuery(text, filters, limit=20)
            times, cpu_times = [], []
            for _ in range(args.repeat):
                before, cpu_before = time.perf_counter(), time.thread_time()
                results = store.search(query)
                times.append((time.perf_counter() - before) * 1000)
                cpu_times.append((time.thread_time() - cpu_before) * 1000)
            latencies += times
            cpu_latencies += cpu_times
            shown = f"{label}: {text!r}"[:40]
            print(
                f"{shown:<40} {results.total:>7,} {percentile(times, 0.5):>8.1f} {percentile(times, 0.99):>8.1f} "
                f"{percentile(cpu_times, 0.5):>8.1f} {percentile(cpu_times, 0.99):>8.1f}"
            )
        print(
            f"\nsearch over {len(QUERIES)} queries x {args.repeat}: p50 {percentile(latencies, 0.5):.1f} ms, "
            f"p99 {percentile(latencies, 0.99):.1f} ms, mean {statistics.fmean(latencies):.1f} ms (wall clock); "
            f"CPU time p50 {percentile(cpu_latencies, 0.5):.1f} ms, p99 {percentile(cpu_latencies, 0.99):.1f} ms"
        )
        store.close()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
