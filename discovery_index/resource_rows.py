"""A resource as a row of the index's `resources` table, the same in every store (SQLite and PostgreSQL): the
columns in their order (`RESOURCE_COLUMNS`; levels, subjects, tags, authors and links as JSON arrays), and the record
read back from them (`record_from_row`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from lectern.discovery_index.records import ResourceRecord

RESOURCE_COLUMNS = (
    "object_id, collection, instance, url, title, summary, license, language, resource_type, levels, subjects, "
    "tags, authors, links, published, updated, source"
)


def record_from_row(row: Sequence[Any], body: str = "") -> ResourceRecord:
    (object_id, collection, instance, url, title, summary, license_uri, language, kind) = row[:9]
    levels, subjects, tags, authors, links = (tuple(json.loads(value)) for value in row[9:14])
    published, updated, source = row[14:17]
    return ResourceRecord(
        object_id, collection, instance, url, title, summary, body, license_uri, language, kind,
        levels, subjects, tags, authors, links, published, updated, source,
    )  # fmt: skip
