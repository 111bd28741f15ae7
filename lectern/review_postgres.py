"""The review queue (`lectern.review_queue.ReviewQueue`) on PostgreSQL, in the database the shim's state is in
(LECTERN_DATABASE_URL): any number of `lectern serve` processes add to it and `lectern review` decides, on any
machine. The same table as `lectern.review_sqlite`, made by a versioned migration (`schema_migrations`, component
`lectern_review`) that is safe when several processes start at once. Every write is one statement or one
transaction.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import Any

from lectern.federation_shim import PostgresDatabase, host_of
from lectern.review_queue import ITEM_COLUMNS, ReviewItem, Status, interaction_from_json, item_from_row

COMPONENT = "lectern_review"
MIGRATIONS = (
    """
    CREATE TABLE review_items (
        id TEXT PRIMARY KEY,
        activity_id TEXT NOT NULL UNIQUE,
        actor TEXT NOT NULL,
        host TEXT NOT NULL,
        post_id TEXT,
        status TEXT NOT NULL,
        received TEXT NOT NULL,
        revised_html TEXT,
        retracted BOOLEAN NOT NULL DEFAULT FALSE,
        unwritten BOOLEAN NOT NULL DEFAULT FALSE,
        interaction JSONB NOT NULL,
        author JSONB NOT NULL
    );
    CREATE INDEX review_items_status ON review_items (status, received);
    CREATE INDEX review_items_post ON review_items (actor, post_id);
    CREATE INDEX review_items_host ON review_items (host, received);
    """,
)


class PostgresReviewQueue:
    def __init__(self, url: str, max_connections: int = 4) -> None:
        """Raises `StorageUnavailable` when the database cannot be reached."""
        self.database = PostgresDatabase(url, max_size=max_connections)
        try:
            self.database.migrate(COMPONENT, MIGRATIONS)
        except BaseException:
            self.database.close()
            raise

    def close(self) -> None:
        self.database.close()

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        with self.database.connection() as db:
            return db.execute(sql, params).rowcount

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.database.connection() as db:
            return db.execute(sql, params).fetchall()

    def add(self, item: ReviewItem) -> bool:
        interaction = item.interaction
        return (
            self._run(
                "INSERT INTO review_items (id, activity_id, actor, host, post_id, status, received, revised_html,"
                " retracted, unwritten, interaction, author) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (
                    item.id,
                    interaction.activity_id,
                    interaction.actor,
                    host_of(interaction.actor),
                    interaction.post_id,
                    item.status,
                    item.received,
                    item.revised_html,
                    item.retracted,
                    item.unwritten,
                    json.dumps(asdict(interaction)),
                    json.dumps(asdict(item.author)),
                ),
            )
            == 1
        )

    def retract(self, actor: str, retracted: str) -> int:
        with self.database.atomic() as db:
            marked = db.execute(
                "UPDATE review_items SET retracted = TRUE WHERE actor = %s AND status = 'approved'"
                " AND (activity_id = %s OR post_id = %s)",
                (actor, retracted, retracted),
            ).rowcount
            removed = db.execute(
                "DELETE FROM review_items WHERE actor = %s AND status != 'approved'"
                " AND (activity_id = %s OR post_id = %s)",
                (actor, retracted, retracted),
            ).rowcount
        return marked + removed

    def revise(self, actor: str, post_id: str, html: str) -> int:
        with self.database.atomic() as db:
            rows = db.execute(
                "SELECT id, status, interaction FROM review_items WHERE actor = %s AND post_id = %s FOR UPDATE",
                (actor, post_id),
            ).fetchall()
            for item_id, status, interaction in rows:
                if status == "approved":
                    db.execute("UPDATE review_items SET revised_html = %s WHERE id = %s", (html, item_id))
                else:
                    changed = replace(interaction_from_json(dict(interaction)), html=html)
                    db.execute(
                        "UPDATE review_items SET interaction = %s WHERE id = %s", (json.dumps(asdict(changed)), item_id)
                    )
        return len(rows)

    def get(self, item_id: str) -> ReviewItem | None:
        rows = self._rows(f"SELECT {ITEM_COLUMNS} FROM review_items WHERE id = %s", (item_id,))
        return item_from_row(rows[0], dict) if rows else None

    def items(self, statuses: tuple[Status, ...] = ("pending",)) -> list[ReviewItem]:
        rows = self._rows(
            f"SELECT {ITEM_COLUMNS} FROM review_items WHERE status = ANY(%s) ORDER BY received, id", (list(statuses),)
        )
        return [item_from_row(row, dict) for row in rows]

    def decide(self, item_id: str, status: Status) -> ReviewItem | None:
        self._run("UPDATE review_items SET status = %s WHERE id = %s", (status, item_id))
        return self.get(item_id)

    def settle(self, item_id: str, html: str | None, remove: bool) -> None:
        if remove:
            self._run("DELETE FROM review_items WHERE id = %s", (item_id,))
            return
        item = self.get(item_id)
        if item is not None and html is not None:
            changed = replace(item.interaction, html=html)
            self._run(
                "UPDATE review_items SET interaction = %s, revised_html = NULL WHERE id = %s",
                (json.dumps(asdict(changed)), item_id),
            )

    def received_from_host_since(self, host: str, since: str) -> int:
        rows = self._rows("SELECT count(*) FROM review_items WHERE host = %s AND received >= %s", (host, since))
        return int(rows[0][0])

    def mark_written(self, item_id: str) -> None:
        self._run("UPDATE review_items SET unwritten = FALSE WHERE id = %s", (item_id,))

    def knows_actor(self, actor: str) -> bool:
        return bool(self._rows("SELECT 1 FROM review_items WHERE actor = %s LIMIT 1", (actor,)))
