"""Bulk export of the index's resources as AMB records, for OER search engines and repositories that harvest.

    GET /api/export/amb[?after=CURSOR][&limit=N]

Each resource the index holds, as a record of AMB, the DINI AG KIM metadata profile for educational resources
(https://w3id.org/kim/amb/20231019; what OERSI and WLO harvest), in pages of `limit` records (100 by default, at most
MAX_PAGE). A page is one JSON object, `{"records": [...], "count": N, "next": URL or null}`, and its `next` link is
also a `Link: <URL>; rel="next"` header: a harvester follows `next` until it is null. A JSON document per page rather
than JSON Lines, because a page is bounded (so nothing needs streaming) and carries its own `next` link, which JSON
Lines has no place for; any JSON client or `jq` reads it.

The cursor is the storage row of the last record on the page, so paging is stable while the index changes: a
resource added during a harvest comes at the end, a removed one leaves no gap or repeat, and an edited one keeps its
place. `resource_to_amb` is a pure function from a stored record (a Note's educational metadata: Lectern's type and
level values become HCRT and KIM educational-level concepts, the subjects that name a subject area become KIM school
subject or Hochschulfächersystematik concepts, `generator.amb`); what a record does not say is left out.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lectern.discovery_index.records import ResourceRecord
from lectern.generator import amb
from lectern.generator.subject_areas import areas_from_subjects

DEFAULT_PAGE = 100
MAX_PAGE = 500
PATH = "/api/export/amb"
COLUMNS = (
    "id, object_id, collection, instance, url, title, summary, license, language, resource_type, levels, subjects, "
    "tags, authors, links, published, updated, source"
)


def _date(text: str) -> str | None:
    """An ISO 8601 date-time as AMB accepts it, or None for anything else."""
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return text


def resource_to_amb(record: ResourceRecord) -> dict[str, Any]:
    """The stored resource as an AMB record: its `id` is its page on the site that published it."""
    parts = urlsplit(record.object_id)
    language = amb.iso_639_1(record.language) if record.language else None
    levels = [level for level in record.levels if level in amb.LEVEL_TO_EDUCATIONAL_LEVEL]
    published, updated = _date(record.published), _date(record.updated)
    source: dict[str, Any] = {
        "id": record.url,
        "type": "WebContent",
        "provider": {"id": f"{parts.scheme}://{parts.netloc}/", "type": "WebSite", "name": record.instance},
        **({"dateCreated": published} if published else {}),
        **({"dateModified": updated} if updated else {}),
    }
    document: dict[str, Any] = {
        "@context": amb.context(record.language) if language else [amb.AMB_CONTEXT, amb.SCHEMA_ORG],
        "id": record.url,
        "type": amb.types(record.resource_type),
        "name": record.title,
        "url": record.url,
    }
    if record.summary:
        document["description"] = record.summary
    if language:
        document["inLanguage"] = [language]
    if record.license:
        document["license"] = {"id": record.license}
    if record.resource_type in amb.RESOURCE_TYPE_TO_HCRT:
        document["learningResourceType"] = amb.resource_type_concepts(record.resource_type)
    if levels:
        document["educationalLevel"] = amb.level_concepts(levels)
    about = amb.subject_concepts(areas_from_subjects(record.subjects), record.levels)
    if about:
        document["about"] = about
    if record.authors:
        document["creator"] = amb.creators(record.authors)
    keywords = list(dict.fromkeys([*record.subjects, *record.tags]))
    if keywords:
        document["keywords"] = keywords
    if published:
        document["datePublished"] = published
    if updated:
        document["dateModified"] = updated
    if record.source == "lectern":
        document["isAccessibleForFree"] = True
    if record.links:
        document["sameAs"] = list(record.links)
    document["isPartOf"] = [{"id": record.collection}]
    document["mainEntityOfPage"] = [source]
    return document


def _record(row: tuple[Any, ...]) -> ResourceRecord:
    (object_id, collection, instance, url, title, summary, license_uri, language, kind) = row[:9]
    levels, subjects, tags, authors, links = (tuple(json.loads(value)) for value in row[9:14])
    published, updated, source = row[14:17]
    return ResourceRecord(
        object_id, collection, instance, url, title, summary, "", license_uri, language, kind,
        levels, subjects, tags, authors, links, published, updated, source,
    )  # fmt: skip


def export_page(db: sqlite3.Connection, after: int, limit: int) -> tuple[list[ResourceRecord], int | None]:
    """Up to `limit` stored resources after the cursor `after`, in storage order, and the cursor of the next page
    (None on the last one)."""
    rows = db.execute(f"SELECT {COLUMNS} FROM resources WHERE id > ? ORDER BY id LIMIT ?", (after, limit + 1))
    found = [(row[0], _record(tuple(row[1:]))) for row in rows]
    page = found[:limit]
    more = len(found) > limit
    return [record for _, record in page], (page[-1][0] if more and page else None)


def _whole_number(request: Request, name: str, default: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    return int(raw)


def _refuse(detail: str) -> JSONResponse:
    return JSONResponse({"status": "error", "reason": "bad_parameter", "detail": detail}, status_code=400)


async def export_amb(request: Request) -> Response:
    after = _whole_number(request, "after", 0)
    limit = _whole_number(request, "limit", DEFAULT_PAGE)
    if after is None:
        return _refuse("after must be the cursor from a page's next link (a whole number, in ASCII digits)")
    if limit is None:
        return _refuse(f"limit must be a whole number from 1 to {MAX_PAGE}, in ASCII digits")
    limit = min(max(limit, 1), MAX_PAGE)
    service = request.app.state.service
    store = service.store  # a keyset page needs the store's row order: PostgreSQL's store pages itself
    paged = store.export_page if hasattr(store, "export_page") else lambda *page: export_page(store.db, *page)
    records, cursor = paged(after, limit)
    next_url = f"{service.config.public_url}{PATH}?{urlencode({'after': cursor, 'limit': limit})}" if cursor else None
    body = {"records": [resource_to_amb(record) for record in records], "count": len(records), "next": next_url}
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return JSONResponse(body, headers=headers)
