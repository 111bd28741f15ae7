"""Lectern's record of what followers were told about each resource, beside the generic delivery queue.

    ToldRecord            the protocol: the record (key -> `delivery_plan.DeliveredItem`), the site URL it was made
                          for, and whether a first run has recorded a baseline
    SqliteToldRecord      in the shim's SQLite database: delivery_meta (name -> value), delivered_items
    PostgresToldRecord    the same tables in the shim's PostgreSQL database (made by its own migrations)
    MemoryToldRecord      in a `federation_shim.MemoryDatabase`
    PlanRecorder          plans against the record and stores the plan: the new record, a queue job per inbox for
                          each activity, followers forgotten with their actor, all in one transaction

The record, the followers and the queue must be on one database (the plan is stored in its `atomic()`), so two
processes planning at once (a running shim and `lectern deliver`) cannot both queue the same change: SQLite's write
lock makes the second wait; on PostgreSQL, a plan begins by taking a transaction-level advisory lock.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from lectern.delivery_plan import DeliveredItem, Plan
from lectern.federation_shim import (
    DeliveryQueue,
    FollowerStore,
    MemoryDatabase,
    OutgoingActivity,
    ShimState,
    ShimStorage,
    activity_body,
    now_timestamp,
)

if TYPE_CHECKING:  # psycopg is imported only when a PostgreSQL database is used
    from lectern.federation_shim import PostgresDatabase

__all__ = ["MemoryToldRecord", "PlanRecorder", "PostgresToldRecord", "SqliteToldRecord", "ToldRecord", "plan_recorder"]

logger = logging.getLogger(__name__)

Planner = Callable[[dict[str, DeliveredItem], bool], Plan]


class ToldRecord(Protocol):
    def first_run(self) -> bool:
        """True until a record was made (the first plan records everything and sends nothing)."""
        ...

    def delivered_items(self) -> dict[str, DeliveredItem]: ...

    def site_url_changed(self, site_url: str) -> bool:
        """Remember the site URL; True when it differs from the one the record was made for."""
        ...

    def forget_items(self) -> None:
        """Empty the record (the site moved: every id changed)."""
        ...

    def remember(self, items: Sequence[DeliveredItem]) -> None:
        """Store these items (replacing those with the same key) and end the first run."""
        ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS delivery_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS delivered_items (
    key TEXT PRIMARY KEY, object_id TEXT NOT NULL, hash TEXT NOT NULL, updated TEXT NOT NULL, live INTEGER NOT NULL
);
"""


class SqliteToldRecord:
    def __init__(self, state: ShimState) -> None:
        self.state = state
        self.db: sqlite3.Connection = state.db
        self.db.executescript(SCHEMA)

    def first_run(self) -> bool:
        return self.db.execute("SELECT 1 FROM delivery_meta WHERE name = 'baseline'").fetchone() is None

    def delivered_items(self) -> dict[str, DeliveredItem]:
        rows = self.db.execute("SELECT key, object_id, hash, updated, live FROM delivered_items").fetchall()
        return {row[0]: DeliveredItem(row[0], row[1], row[2], row[3], bool(row[4])) for row in rows}

    def site_url_changed(self, site_url: str) -> bool:
        with self.state.transaction() as db:
            row = db.execute("SELECT value FROM delivery_meta WHERE name = 'site_url'").fetchone()
            db.execute("INSERT OR REPLACE INTO delivery_meta VALUES ('site_url', ?)", (site_url,))
        return row is not None and row[0] != site_url

    def forget_items(self) -> None:
        with self.state.transaction() as db:
            db.execute("DELETE FROM delivered_items")

    def remember(self, items: Sequence[DeliveredItem]) -> None:
        with self.state.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO delivered_items VALUES (?, ?, ?, ?, ?)",
                [(i.key, i.object_id, i.hash, i.updated, int(i.live)) for i in items],
            )
            db.execute("INSERT OR IGNORE INTO delivery_meta VALUES ('baseline', ?)", (now_timestamp(),))


POSTGRES_COMPONENT = "lectern_told_record"
POSTGRES_MIGRATIONS = (
    """
    CREATE TABLE delivery_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE delivered_items (
        key TEXT PRIMARY KEY, object_id TEXT NOT NULL, hash TEXT NOT NULL, updated TEXT NOT NULL, live BOOLEAN NOT NULL
    );
    """,
)
PLANNING_LOCK = (0x4C454354, 2)  # the advisory lock a plan holds until it is stored ("LECT", 2)


class PostgresToldRecord:
    def __init__(self, database: PostgresDatabase) -> None:
        self.database = database
        database.migrate(POSTGRES_COMPONENT, POSTGRES_MIGRATIONS)

    def first_run(self) -> bool:
        with self.database.connection() as db:
            return db.execute("SELECT 1 FROM delivery_meta WHERE name = 'baseline'").fetchone() is None

    def delivered_items(self) -> dict[str, DeliveredItem]:
        with self.database.connection() as db:
            rows = db.execute("SELECT key, object_id, hash, updated, live FROM delivered_items").fetchall()
        return {row[0]: DeliveredItem(row[0], row[1], row[2], row[3], bool(row[4])) for row in rows}

    def site_url_changed(self, site_url: str) -> bool:
        """Also where a plan begins: two planners at once take turns from here to the end of their transactions."""
        with self.database.atomic() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s, %s)", PLANNING_LOCK)
            row = db.execute("SELECT value FROM delivery_meta WHERE name = 'site_url'").fetchone()
            db.execute(
                "INSERT INTO delivery_meta VALUES ('site_url', %s) ON CONFLICT (name) DO UPDATE SET value = %s",
                (site_url, site_url),
            )
        return row is not None and row[0] != site_url

    def forget_items(self) -> None:
        with self.database.connection() as db:
            db.execute("DELETE FROM delivered_items")

    def remember(self, items: Sequence[DeliveredItem]) -> None:
        with self.database.atomic() as db:
            if items:
                db.execute(
                    "INSERT INTO delivered_items SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], "
                    "%s::boolean[]) ON CONFLICT (key) DO UPDATE SET object_id = excluded.object_id, "
                    "hash = excluded.hash, updated = excluded.updated, live = excluded.live",
                    (
                        [i.key for i in items],
                        [i.object_id for i in items],
                        [i.hash for i in items],
                        [i.updated for i in items],
                        [i.live for i in items],
                    ),
                )
            db.execute(
                "INSERT INTO delivery_meta VALUES ('baseline', %s) ON CONFLICT (name) DO NOTHING", (now_timestamp(),)
            )


class MemoryToldRecord:
    """Tables told_items (key -> DeliveredItem) and told_meta (name -> value)."""

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database

    def first_run(self) -> bool:
        with self.database.atomic():
            return "baseline" not in self.database.table("told_meta")

    def delivered_items(self) -> dict[str, DeliveredItem]:
        with self.database.atomic():
            return dict(self.database.table("told_items"))

    def site_url_changed(self, site_url: str) -> bool:
        with self.database.atomic():
            meta = self.database.table("told_meta")
            before = meta.get("site_url")
            meta["site_url"] = site_url
        return before is not None and before != site_url

    def forget_items(self) -> None:
        with self.database.atomic():
            self.database.table("told_items").clear()

    def remember(self, items: Sequence[DeliveredItem]) -> None:
        with self.database.atomic():
            self.database.table("told_items").update((item.key, item) for item in items)
            self.database.table("told_meta").setdefault("baseline", now_timestamp())


@dataclass(frozen=True)
class PlanRecorder:
    """Stores delivery plans: see the module docstring."""

    told: ToldRecord
    followers: FollowerStore
    queue: DeliveryQueue

    def plan_and_record(self, planner: Planner, site_url: str, site_actor: str, now: float) -> tuple[Plan, int]:
        """Plan against what followers know and store the result, in one transaction. Returns the plan and the
        number of jobs queued."""
        with self.queue.atomic():
            moved = self.told.site_url_changed(site_url)
            if moved:
                logger.warning(
                    "the site URL is now %s: ids changed, so what followers were told is recorded anew "
                    "and nothing is sent for the existing resources",
                    site_url,
                )
                self.told.forget_items()
            plan = planner(self.told.delivered_items(), moved or self.told.first_run())
            return plan, self._record(plan, site_actor, now)

    def record_plan(self, plan: Plan, site_actor: str, now: float) -> int:
        with self.queue.atomic():
            return self._record(plan, site_actor, now)

    def _record(self, plan: Plan, site_actor: str, now: float) -> int:
        queued = 0
        for planned in plan.activities:
            activity = planned.activity
            actors = {
                "collection": [planned.collection],
                "site": [site_actor],
                "both": [planned.collection, site_actor],
            }[planned.audience]
            outgoing = OutgoingActivity(activity["id"], activity["type"], planned.signer, activity_body(activity))
            queued += self.queue.enqueue(outgoing, self.followers.inboxes_of(actors), now)
            if planned.forget_followers:  # its Delete is queued for every follower: nobody is left to tell
                self.followers.remove_followers_of(planned.collection)
        self.told.remember(plan.delivered)
        return queued


def plan_recorder(storage: ShimStorage) -> PlanRecorder:
    """The recorder on `storage`'s database, with the told-record kept there too."""
    database = storage.database
    if isinstance(database, ShimState):
        told: ToldRecord = SqliteToldRecord(database)
    elif isinstance(database, MemoryDatabase):
        told = MemoryToldRecord(database)
    else:
        from lectern.federation_shim import PostgresDatabase

        if not isinstance(database, PostgresDatabase):
            raise TypeError(f"no record of what followers were told for {type(database).__name__}")
        told = PostgresToldRecord(database)
    return PlanRecorder(told, storage.followers, storage.deliveries)
