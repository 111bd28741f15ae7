"""Benchmark: the discovery index's ingestion rate and search latency at 100,000 resources.

    python bench/index.py [--resources 100000] [--subjects 150000] [--collections 50] [--batch 500] [--repeat 30]
                          [--db PATH] [--database postgresql://...]

It generates resources (seeded: every run the same) across collections on five instances, in seven languages
(titles and summaries in the resource's language), each with a topic subject and two of `--subjects` distinct
free-text subjects (so 100,000 resources carry 100,000+ distinct subjects), one in twenty the same material as a
resource on another site (same link). Each is turned into what a Lectern site now sends its followers with the
generator's own code: the Note by the site actor (`resource_to_note`), its `Page` twin (`resource_to_page`) and the
collection's Announce of the Create of the Page (`resource_to_group_announce`, FEP-1b12). They are serialised to
JSON as they travel and then, timed, parsed as the inbox parses a body (`federation_shim.parse_json`: orjson, with
bounds) and fed in batches to `discovery_index.ingest.ingest`, the function the inbox uses, into a SQLite store on
disk. Then a fixed set of queries (words in several languages, typos, phrases, exclusions, prefixes, filters in any
spelling, browsing) runs `--repeat` times each with the result cache off, and the home page (no words, no filter) is
timed on its own.

This machine's speed moves by a third from minute to minute, so every figure is printed beside an *anchor*: a fixed
piece of pure-Python and SQLite work timed in the same run, before and after. Compare runs by the ratio to the
anchor, not by milliseconds.

Targets (at 100,000 resources with 100,000+ distinct subjects): ingestion >= 3,000 Notes/s; search p99 under 50 ms
with facets; home page under 20 ms uncached.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from lectern.discovery_index.ingest import Delivery, ingest  # noqa: E402
from lectern.discovery_index.records import CollectionRecord, FollowState  # noqa: E402
from lectern.discovery_index.sqlite_store import SqliteIndexStore  # noqa: E402
from lectern.discovery_index.storage import IndexStore, SearchQuery  # noqa: E402
from lectern.federation_shim import parse_json  # noqa: E402
from lectern.generator.content_model import LEVELS, RESOURCE_TYPES, Collection, Resource  # noqa: E402
from lectern.generator.licenses import find_license  # noqa: E402
from lectern.generator.objects import resource_to_group_announce, resource_to_note, resource_to_page  # noqa: E402
from lectern.generator.publication_history import Publication  # noqa: E402
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
LANGUAGES = ("en",) * 8 + ("es",) * 3 + ("de",) * 2 + ("pt-BR",) * 2 + ("fr",) * 2 + ("it", "nl")
TRANSLATED = {  # a few topics in the other languages, so stemming and folding meet real words
    "es": {
        "fractions": "fracción fracciones numerador denominador equivalentes mitades tercios recta numérica",
        "biology": "biología célula células membrana mitosis fotosíntesis enzimas organismo tejido",
        "physics": "física fuerza movimiento energía péndulo ondas gravedad fricción",
        "python": "python programación bucles funciones variables listas código principiantes",
    },
    "de": {
        "fractions": "Bruch Brüche Bruchrechnung Zähler Nenner Größen gleichwertige Hälften Zahlenstrahl",
        "biology": "Biologie Zelle Zellen Membran Mitose Fotosynthese Enzyme Organismus Gewebe",
        "physics": "Physik Kraft Bewegung Energie Pendel Wellen Schwerkraft Reibung Größen",
        "python": "Python Programmierung Schleifen Funktionen Variablen Listen Anfänger",
    },
    "pt": {
        "fractions": "fração frações numerador denominador equivalentes metades terços reta numérica",
        "biology": "biologia célula células membrana mitose fotossíntese enzimas organismo tecido",
        "physics": "física força movimento energia pêndulo ondas gravidade atrito",
        "python": "python programação laços funções variáveis listas código iniciantes",
    },
    "fr": {
        "fractions": "fraction fractions numérateur dénominateur équivalentes moitiés tiers droite graduée",
        "biology": "biologie cellule cellules membrane mitose photosynthèse enzymes organisme tissu",
    },
}
COMMON_IN = {
    "es": "el la de para con los estudiantes clase unidad introducción guía práctica actividad ejercicios".split(),
    "de": "der die das und für mit Schüler Unterricht Einheit Einführung Übungen Aufgaben Kurs Arbeitsblatt".split(),
    "pt": "o a de para com os alunos aula unidade introdução guia prática atividade curso exercícios".split(),
    "fr": "le la de pour avec les élèves classe unité introduction guide pratique activité cours exercices".split(),
}
QUALIFIERS = "basics practice history methods problems project models tools data theory lab games".split()
LICENSES = ("CC-BY-4.0",) * 5 + ("CC-BY-SA-4.0",) * 3 + ("CC-BY-NC-SA-4.0",) * 1 + ("CC0-1.0",) * 1 + ("MIT",)
INSTANCES = ("oer.example.edu", "library.school.example", "open.uni.example", "maths.hub.example", "aula.example.es")
BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"

QUERIES: list[tuple[str, str, dict[str, tuple[str, ...]]]] = [
    ("one word", "photosynthesis", {}),
    ("one word", "fractions", {}),
    ("one word, common", "introduction", {}),
    ("two words", "equivalent fractions", {}),
    ("three words", "newton laws motion", {}),
    ("three words", "python loops beginners", {}),
    ("words from two topics (OR fallback)", "volcano shakespeare", {}),
    ("pt, singular finds plural", "fração", {}),
    ("de, folded", "grossen", {}),
    ("typo (did you mean)", "fractoins", {}),
    ("typo (did you mean)", "pyhton", {}),
    ("phrase", '"equivalent fractions"', {}),
    ("exclusion", "fractions -denominator", {}),
    ("prefix", "photosyn*", {}),
    ("word + language", "verbs", {"language": ("es",)}),
    ("word + level", "fractions", {"level": ("primary",)}),
    ("word + type + license id", "genetics", {"type": ("video",), "license": ("CC-BY-4.0",)}),
    ("word + subject + instance", "energy", {"subject": ("Physics",), "instance": ("open.uni.example",)}),
    ("two words + 2 levels", "climate ecosystem", {"level": ("lower secondary", "upper secondary")}),
    ("browse + language", "", {"language": ("fr",)}),
    ("browse + level + type", "", {"level": ("primary",), "type": ("worksheet",)}),
    ("browse + license URI", "", {"license": (BY_SA,)}),
    ("typed syntax", 'fractions OR "NEAR(x y" *', {}),
    ("typed syntax", "(algebra - ", {}),
]  # fmt: skip


def generate(
    resources: int, collections: int, subjects: int, seed: int = 7
) -> tuple[list[tuple[CollectionRecord, bytes]], int]:
    """The serialised group Announces, each with its collection's record, and the number of distinct subjects."""
    rng = random.Random(seed)
    topics = list(TOPICS)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    made: list[tuple[CollectionRecord, bytes]] = []
    per_collection = resources // collections
    pool = [
        f"{rng.choice(TOPICS[topics[n % len(topics)]].split())} {rng.choice(QUALIFIERS)} {n}" for n in range(subjects)
    ]
    counter = 0
    distinct: set[str] = set()
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
        for index in range(per_collection):
            language = rng.choice(LANGUAGES)
            key = language.split("-")[0]
            words = TRANSLATED.get(key, {}).get(topic, TOPICS[topic]).split()
            common = COMMON_IN.get(key, COMMON)
            title_words = rng.sample(words, 2) + rng.sample(common, rng.randint(1, 4))
            rng.shuffle(title_words)
            summary = " ".join(rng.choice(words) if rng.random() < 0.3 else rng.choice(common) for _ in range(30))
            added = start + timedelta(minutes=rng.randint(0, 900_000))
            shared = counter % 20 == 0 and counter > 0  # the same material as an earlier resource on another site
            link_number = counter - 1 if shared else counter
            resource = Resource(
                collection=slug,
                slug=f"r{index}",
                title=" ".join(title_words).capitalize(),
                summary=summary.capitalize() + ".",
                link=f"https://material.example/m/{link_number}",
                files=(),
                license=find_license(rng.choice(LICENSES)),  # type: ignore[arg-type]
                language=language,
                levels=tuple(sorted(rng.sample(LEVELS[1:6], rng.randint(1, 2)))),
                subjects=(topic.title(), pool[counter % subjects], pool[(counter * 7 + 3) % subjects]),
                resource_type=rng.choice(RESOURCE_TYPES),
                tags=tuple(rng.sample(words, rng.randint(0, 3))),
                authors=(f"Author {rng.randint(1, 500)}",),
                added=added,
                updated=None,
                notes="",
                source_path="",
            )
            counter += 1
            distinct.update(subject.lower() for subject in resource.subjects)
            note = resource_to_note(resource, collection, paths, Publication(added), "library")
            page = resource_to_page(note, paths, resource)
            made.append((record, json.dumps(resource_to_group_announce(page, paths, resource)).encode()))
    return made, len(distinct)


def open_store(args: argparse.Namespace, folder: Path, closing: ExitStack) -> IndexStore:
    """The store the run measures: SQLite (the default), or PostgreSQL with --database."""
    if args.database:
        from bench.index_postgres import postgres_store

        return closing.enter_context(postgres_store(args.database))
    return SqliteIndexStore(Path(args.db) if args.db else folder / "index.sqlite3", cache_results=False)


def anchor() -> float:
    """Milliseconds for a fixed piece of work like the index's (Python string handling and SQLite), best of 5."""
    best = float("inf")
    for _ in range(5):
        before = time.perf_counter()
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?)", ((n, f"word{n % 977} other{n}") for n in range(20_000)))
        db.execute("SELECT b, count(*) FROM t GROUP BY substr(b, 1, 6)").fetchall()
        " ".join(sorted(str(n * 7919 % 10007) for n in range(20_000))).split()
        db.close()
        best = min(best, (time.perf_counter() - before) * 1000)
    return best


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--subjects", type=int, default=150_000, help="distinct free-text subjects to draw from")
    parser.add_argument("--collections", type=int, default=50)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", help="the SQLite file (default: a temporary folder)")
    parser.add_argument("--database", help="the index in this PostgreSQL database instead (bench/index_postgres.py)")
    args = parser.parse_args()

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    anchors = [anchor()]
    print(f"anchor (fixed work, best of 5): {anchors[0]:.1f} ms")
    started = time.perf_counter()
    deliveries, subjects = generate(args.resources, args.collections, max(1, args.subjects))
    gc.collect()
    gc.freeze()  # the generated corpus is the benchmark's, not the index's: out of the cyclic collector's sight
    print(
        f"generated {len(deliveries):,} group Announces with the generator's code "
        f"in {time.perf_counter() - started:.1f} s"
    )

    with tempfile.TemporaryDirectory() as folder, ExitStack() as closing:
        store = open_store(args, Path(folder), closing)
        for record in {record.actor_id: record for record, _ in deliveries}.values():
            store.save_collection(record)
        started = time.perf_counter()
        cpu_started = time.process_time()
        for first in range(0, len(deliveries), args.batch):
            batch = [Delivery(parse_json(body), record) for record, body in deliveries[first : first + args.batch]]
            report = ingest(store, batch)
            assert report.applied.upserted == len(batch), report
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        print(
            f"ingested {len(deliveries):,} Notes in {seconds:.1f} s: {len(deliveries) / seconds:,.0f} Notes/s "
            f"(CPU {cpu:.1f} s: {len(deliveries) / cpu:,.0f} Notes/s of CPU; batches of {args.batch}); "
            f"{subjects:,} distinct subjects"
        )
        if args.database:
            from bench.index_postgres import settle

            print(settle(store))
        anchors.append(anchor())

        latencies: list[float] = []
        cpu_latencies: list[float] = []
        print(f"\n{'query':<44} {'total':>7} {'p50 ms':>8} {'p99 ms':>8} {'CPU p50':>8} {'CPU p99':>8}")
        for label, text, filters in [("home page (no words, no filter)", "", {}), *QUERIES]:
            query = SearchQuery(text, filters, limit=20)
            times, cpu_times = [], []
            for _ in range(args.repeat):
                before, cpu_before = time.perf_counter(), time.thread_time()
                results = store.search(query)
                times.append((time.perf_counter() - before) * 1000)
                cpu_times.append((time.thread_time() - cpu_before) * 1000)
            if text or filters:
                latencies += times
                cpu_latencies += cpu_times
            else:
                home = times
            shown = f"{label}: {text!r}"[:44]
            extra = f"  -> {results.suggestion!r}" if results.suggestion else ""
            print(
                f"{shown:<44} {results.total:>7,} {percentile(times, 0.5):>8.1f} {percentile(times, 0.99):>8.1f} "
                f"{percentile(cpu_times, 0.5):>8.1f} {percentile(cpu_times, 0.99):>8.1f}{extra}"
            )
        anchors.append(anchor())
        print(
            f"\nsearch over {len(QUERIES)} queries x {args.repeat}: p50 {percentile(latencies, 0.5):.1f} ms, "
            f"p99 {percentile(latencies, 0.99):.1f} ms, mean {statistics.fmean(latencies):.1f} ms (wall clock); "
            f"CPU time p50 {percentile(cpu_latencies, 0.5):.1f} ms, p99 {percentile(cpu_latencies, 0.99):.1f} ms"
        )
        print(f"home page: p50 {percentile(home, 0.5):.1f} ms, p99 {percentile(home, 0.99):.1f} ms (uncached)")
        print(f"anchor before / after ingest / after search: {' / '.join(f'{a:.1f}' for a in anchors)} ms")
        store.close()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
