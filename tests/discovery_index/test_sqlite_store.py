"""What only the SQLite store does: a database written by an older version is re-indexed when opened. (What every
store does is in test_index_store.py.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lectern.discovery_index.records import ResourceRecord, UpsertResource
from lectern.discovery_index.sqlite_store import SqliteIndexStore
from lectern.discovery_index.storage import SearchQuery

OLD_SCHEMA = """
CREATE TABLE resources (
    id INTEGER PRIMARY KEY, object_id TEXT NOT NULL UNIQUE, collection TEXT NOT NULL, instance TEXT NOT NULL,
    url TEXT NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL, license TEXT NOT NULL, language TEXT NOT NULL,
    resource_type TEXT NOT NULL, levels TEXT NOT NULL, subjects TEXT NOT NULL, tags TEXT NOT NULL,
    authors TEXT NOT NULL, links TEXT NOT NULL, published TEXT NOT NULL, updated TEXT NOT NULL, source TEXT NOT NULL
);
CREATE VIRTUAL TABLE resources_fts USING fts5(title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2');
INSERT INTO resources VALUES (1, 'https://a.example/ap/objects/maths/f.json', 'https://a.example/ap/actors/maths.json',
    'a.example', 'https://a.example/maths/f/', 'Frações equivalentes', 'Tiras de papel', '', 'pt-BR', 'worksheet',
    '["primary"]', '["Matemática"]', '[]', '[]', '["https://material.example/f"]', '', '2026-01-01T00:00:00Z',
    'lectern');
INSERT INTO resources_fts (rowid, title, summary, body) VALUES (1, 'Frações equivalentes', 'Tiras de papel', 'Notas');
"""


def test_a_database_from_the_previous_version_is_reindexed(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(OLD_SCHEMA)
    old.close()
    store = SqliteIndexStore(path)
    results = store.search(SearchQuery("fração", {"subject": ("matematica",)}))
    assert [hit.record.title for hit in results.hits] == ["Frações equivalentes"]
    assert store.resource("https://a.example/ap/objects/maths/f.json").body == "Notas"  # type: ignore[union-attr]
    store.close()


def test_facet_values_of_a_rolled_back_transaction_are_added_again_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New facet values get their ids when the transaction ends: after a rollback none of them is remembered, and
    the next transaction adds them anew with the right counts."""
    store = SqliteIndexStore(tmp_path / "index.sqlite3")
    first = UpsertResource(_record("f1", ("Geometrie", "Dreiecke")))

    def fail() -> None:
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(store.vocabulary, "flush", fail)  # the last step before COMMIT
        with pytest.raises(RuntimeError):
            store.apply([first])
    assert store.search(SearchQuery()).total == 0
    store.apply([first, UpsertResource(_record("f2", ("geometrie", "Kreise")))])
    counts = {c.value: c.count for c in store.search(SearchQuery()).facets["subject"]}
    assert counts == {"Geometrie": 2, "Dreiecke": 1, "Kreise": 1}
    assert store.search(SearchQuery("", {"subject": ("dreiecke",)})).total == 1
    store.close()


def test_facet_values_in_any_characters_are_found_again_after_a_restart(tmp_path: Path) -> None:
    odd = ("a\x00b", 'quo"te', "back\\slash", "😀 x", "\x7f", "\u2028line")
    store = SqliteIndexStore(tmp_path / "index.sqlite3")
    store.apply([UpsertResource(_record("f1", odd))])
    store.close()
    reopened = SqliteIndexStore(tmp_path / "index.sqlite3")  # nothing cached: each value is looked up
    reopened.apply([UpsertResource(_record("f2", odd))])
    counts = {c.value: c.count for c in reopened.search(SearchQuery()).facets["subject"]}
    assert counts == {"a\x00b": 2, 'quo"te': 2, "back\\slash": 2, "😀 x": 2, "\x7f": 2, "\u2028line": 2}
    reopened.close()


def _record(slug: str, subjects: tuple[str, ...]) -> ResourceRecord:
    return ResourceRecord(
        f"https://a.example/ap/objects/maths/{slug}.json", "https://a.example/ap/actors/maths.json", "a.example",
        f"https://a.example/maths/{slug}/", slug, "", "", subjects=subjects, updated="2026-01-01T00:00:00Z",
    )  # fmt: skip
