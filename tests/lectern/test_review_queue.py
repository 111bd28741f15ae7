"""The review queue's contract, run against every implementation: in memory, SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from lectern.interactions import Interaction, Kind
from lectern.review_postgres import COMPONENT, MIGRATIONS, PostgresReviewQueue
from lectern.review_queue import Author, MemoryReviewQueue, ReviewQueue, new_item
from lectern.review_sqlite import REVIEW_FILE, SQLiteReviewQueue

ANA = "https://school.example/users/ana"


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReviewQueue]:
    if request.param == "memory":
        yield MemoryReviewQueue()
        return
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    stored = PostgresReviewQueue(url) if url else SQLiteReviewQueue(tmp_path / REVIEW_FILE)
    yield stored
    stored.close()


def interaction(n: int, kind: Kind = "reply", actor: str = ANA) -> Interaction:
    return Interaction(
        f"https://school.example/activities/{n}",
        kind,
        actor,
        "fractions/fraction-strips",
        None,
        post_id=f"https://school.example/notes/{n}",
        html=f"<p>reply {n}</p>",
        text=f"reply {n}",
    )


def test_replies_wait_and_reactions_are_counted_and_a_redelivery_is_stored_once(queue: ReviewQueue) -> None:
    assert queue.add(new_item(interaction(1), Author(ANA, "Ana"), "2026-11-30T09:00:00Z"))
    assert not queue.add(new_item(interaction(1), Author(ANA, "Ana"), "2026-11-30T09:00:05Z"))
    assert queue.knows_actor(ANA) and not queue.knows_actor("https://school.example/users/bob")
    assert queue.add(new_item(interaction(2, "like"), Author(ANA), "2026-11-30T09:01:00Z"))
    assert [(i.kind, i.status) for i in queue.items()] == [("reply", "pending")]
    assert [i.kind for i in queue.items(("counted",))] == ["like"]
    stored = queue.items()[0]
    assert queue.get(stored.id) == stored and stored.author.name == "Ana"


def test_an_approved_reply_keeps_its_edit_and_deletion_for_the_next_review_run(queue: ReviewQueue) -> None:
    item = new_item(interaction(1), Author(ANA), "2026-11-30T09:00:00Z")
    queue.add(item)
    assert queue.decide(item.id, "approved") is not None
    assert queue.revise(ANA, "https://school.example/notes/1", "<p>edited</p>") == 1
    assert queue.get(item.id).revised_html == "<p>edited</p>"  # type: ignore[union-attr]
    queue.settle(item.id, "<p>edited</p>", remove=False)
    settled = queue.get(item.id)
    assert settled is not None and settled.interaction.html == "<p>edited</p>" and settled.revised_html is None
    assert queue.retract("https://school.example/users/bob", "https://school.example/notes/1") == 0  # not bob's
    assert queue.retract(ANA, "https://school.example/notes/1") == 1
    assert queue.get(item.id).retracted  # type: ignore[union-attr]
    queue.settle(item.id, None, remove=True)
    assert queue.get(item.id) is None


def test_a_pending_item_or_a_like_taken_back_is_forgotten_at_once(queue: ReviewQueue) -> None:
    reply, like = new_item(interaction(1), Author(ANA), "t1"), new_item(interaction(2, "like"), Author(ANA), "t2")
    queue.add(reply)
    queue.add(like)
    assert queue.retract(ANA, "https://school.example/activities/2") == 1
    assert queue.retract(ANA, "https://school.example/notes/1") == 1
    assert queue.items(("pending", "counted", "approved", "rejected")) == []


def test_received_from_a_host_counts_recent_items_for_the_rate_limit(queue: ReviewQueue) -> None:
    for n, when in enumerate(["2026-11-30T08:59:00Z", "2026-11-30T09:00:10Z", "2026-11-30T09:00:20Z"]):
        queue.add(new_item(interaction(n), Author(ANA), when))
    queue.add(new_item(interaction(9, actor="https://other.example/u/x"), Author(ANA), "2026-11-30T09:00:30Z"))
    assert queue.received_from_host_since("school.example", "2026-11-30T09:00:00Z") == 2


def added_at_once(queues: list[SQLiteReviewQueue] | list[PostgresReviewQueue]) -> list[bool]:
    """What each queue's `add` of the same activity answered, the adds started together from two threads."""
    results: list[bool] = []
    barrier = threading.Barrier(len(queues))

    def add(queue: SQLiteReviewQueue | PostgresReviewQueue) -> None:
        barrier.wait()
        results.append(queue.add(new_item(interaction(1), Author(ANA), "t")))

    threads = [threading.Thread(target=add, args=(q,)) for q in queues]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_processes_adding_the_same_activity_store_it_once(tmp_path: Path) -> None:
    queues = [SQLiteReviewQueue(tmp_path / REVIEW_FILE) for _ in range(2)]
    assert sorted(added_at_once(queues)) == [False, True]
    rows = sqlite3.connect(tmp_path / REVIEW_FILE).execute("SELECT count(*) FROM review_items").fetchone()
    assert rows == (1,)


def test_two_processes_on_postgresql_add_the_same_activity_once_and_migrate_once(postgres_url: str) -> None:
    queues = [PostgresReviewQueue(postgres_url) for _ in range(2)]
    try:
        assert sorted(added_at_once(queues)) == [False, True]
        assert [item.id for item in queues[1].items()] == [item.id for item in queues[0].items()] != []
    finally:
        for queue in queues:
            queue.close()
    with psycopg.connect(postgres_url) as db:
        assert db.execute("SELECT count(*) FROM review_items").fetchone() == (1,)
        versions = db.execute("SELECT version FROM schema_migrations WHERE component = %s", (COMPONENT,)).fetchall()
    assert versions == [(n,) for n in range(1, len(MIGRATIONS) + 1)]
