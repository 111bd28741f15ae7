"""Where the review queue is kept, as the settings say: beside the shim's state (`lectern.shim_storage`).

no setting, or sqlite:PATH          SQLite, `instance/review.sqlite3` (`lectern.review_sqlite`)
postgresql://...                    PostgreSQL, the shim's database (`lectern.review_postgres`): every `lectern
                                    serve` process adds to it and `lectern review` decides, on any machine
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lectern.federation_shim import LOOP_BUSY_TIMEOUT
from lectern.review_sqlite import REVIEW_FILE, SQLiteReviewQueue
from lectern.settings import Settings
from lectern.shim_storage import SQLITE_PREFIX

if TYPE_CHECKING:
    from lectern.review_postgres import PostgresReviewQueue

__all__ = ["open_review_queue", "review_queue_exists"]


def open_review_queue(settings: Settings, *, on_event_loop: bool = False) -> SQLiteReviewQueue | PostgresReviewQueue:
    """The review queue on the database the settings name. `on_event_loop`: a SQLite connection must not wait long
    for another process's lock. Raises `StorageUnavailable` when a database server cannot be reached."""
    url = settings.database_url
    if url is None or url.startswith(SQLITE_PREFIX):
        path = settings.instance_dir / REVIEW_FILE
        return SQLiteReviewQueue(path, busy_timeout=LOOP_BUSY_TIMEOUT) if on_event_loop else SQLiteReviewQueue(path)
    from lectern.review_postgres import PostgresReviewQueue  # psycopg is imported only when PostgreSQL is used

    return PostgresReviewQueue(url)


def review_queue_exists(settings: Settings) -> bool:
    """Whether a review queue may hold anything yet (a SQLite file is made only when first opened)."""
    url = settings.database_url
    return not (url is None or url.startswith(SQLITE_PREFIX)) or (settings.instance_dir / REVIEW_FILE).exists()
