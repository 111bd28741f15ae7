"""The review queue (`lectern.review_queue.ReviewQueue`) in a SQLite file beside the shim's state.

One row per item; the interaction and its author are JSON, the fields the queue selects on are columns. Every write
is one statement or one transaction, so the inbox (several requests at once) and `lectern review` (another process)
can use the file together; WAL lets them read while one writes.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, replace
from pathlib import Path

from lectern.federation_shim import host_of
from lectern.review_queue import ITEM_COLUMNS, ReviewItem, Status, interaction_from_json, item_from_row

REVIEW_FILE = "review.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS review_items (
    id TEXT PRIMARY KEY,
    activity_id TEXT NOT NULL UNIQUE,
    actor TEXT NOT NULL,
    host TEXT NOT NULL,
    post_id TEXT,
    status TEXT NOT NULL,
    received TEXT NOT NULL,
    revised_html TEXT,
    retracted INTEGER NOT NULL DEFAULT 0,
    unwritten INTEGER NOT NULL DEFAULT 0,
    interaction TEXT NOT NULL,
    author TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS review_items_status ON review_items (status, received);
CREATE INDEX IF NOT EXISTS review_items_post ON review_items (actor, post_id);
CREATE INDEX IF NOT EXISTS review_items_host ON review_items (host, received);
"""


class SQLiteReviewQueue:
    def __init__(self, path: Path, busy_timeout: float = 5.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def add(self, item: ReviewItem) -> bool:
        interaction = item.interaction
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO review_items (id, activity_id, actor, host, post_id, status, received, revised_html,"
            " retracted, unwritten, interaction, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item.id,
                interaction.activity_id,
                interaction.actor,
                host_of(interaction.actor),
                interaction.post_id,
                item.status,
                item.received,
                item.revised_html,
                int(item.retracted),
                int(item.unwritten),
                json.dumps(asdict(interaction)),
                json.dumps(asdict(item.author)),
            ),
        )
        return cursor.rowcount == 1

    def retract(self, actor: str, retracted: str) -> int:
        with _transaction(self.db):
            marked = self.db.execute(
                "UPDATE review_items SET retracted = 1 WHERE actor = ? AND status = 'approved'"
                " AND (activity_id = ? OR post_id = ?)",
                (actor, retracted, retracted),
            ).rowcount
            removed = self.db.execute(
                "DELETE FROM review_items WHERE actor = ? AND status != 'approved'"
                " AND (activity_id = ? OR post_id = ?)",
                (actor, retracted, retracted),
            ).rowcount
        return int(marked) + int(removed)

    def revise(self, actor: str, post_id: str, html: str) -> int:
        touched = 0
        with _transaction(self.db):
            rows = self.db.execute(
                "SELECT id, status, interaction FROM review_items WHERE actor = ? AND post_id = ?", (actor, post_id)
            ).fetchall()
            for item_id, status, interaction in rows:
                if status == "approved":
                    self.db.execute("UPDATE review_items SET revised_html = ? WHERE id = ?", (html, item_id))
                else:
                    changed = interaction_from_json(json.loads(interaction))
                    changed = replace(changed, html=html)
                    self.db.execute(
                        "UPDATE review_items SET interaction = ? WHERE id = ?", (json.dumps(asdict(changed)), item_id)
                    )
                touched += 1
        return touched

    def get(self, item_id: str) -> ReviewItem | None:
        row = self.db.execute(f"SELECT {ITEM_COLUMNS} FROM review_items WHERE id = ?", (item_id,)).fetchone()
        return item_from_row(row, json.loads) if row else None

    def items(self, statuses: tuple[Status, ...] = ("pending",)) -> list[ReviewItem]:
        marks = ", ".join("?" for _ in statuses)
        rows = self.db.execute(
            f"SELECT {ITEM_COLUMNS} FROM review_items WHERE status IN ({marks}) ORDER BY received, id", statuses
        ).fetchall()
        return [item_from_row(row, json.loads) for row in rows]

    def decide(self, item_id: str, status: Status) -> ReviewItem | None:
        self.db.execute("UPDATE review_items SET status = ? WHERE id = ?", (status, item_id))
        return self.get(item_id)

    def settle(self, item_id: str, html: str | None, remove: bool) -> None:
        if remove:
            self.db.execute("DELETE FROM review_items WHERE id = ?", (item_id,))
            return
        item = self.get(item_id)
        if item is not None and html is not None:
            changed = replace(item.interaction, html=html)
            self.db.execute(
                "UPDATE review_items SET interaction = ?, revised_html = NULL WHERE id = ?",
                (json.dumps(asdict(changed)), item_id),
            )

    def received_from_host_since(self, host: str, since: str) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM review_items WHERE host = ? AND received >= ?", (host, since)
        ).fetchone()
        return int(row[0])

    def mark_written(self, item_id: str) -> None:
        self.db.execute("UPDATE review_items SET unwritten = 0 WHERE id = ?", (item_id,))

    def knows_actor(self, actor: str) -> bool:
        return self.db.execute("SELECT 1 FROM review_items WHERE actor = ? LIMIT 1", (actor,)).fetchone() is not None


class _transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
