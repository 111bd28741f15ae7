"""A Note (plain JSON, as received) -> the ResourceRecord the index stores, or the reason it is not indexed.

Lectern's Notes carry their educational metadata as schema.org LearningResource terms (see
`lectern.vocabulary.OBJECT_TERMS`): `license`, `inLanguage`, `educationalLevel`, `learningResourceType`, `about`,
`author`, `keywords`, `resourceUrl`; the title and summary are the first two paragraphs of `content`
(`generator.objects.note_content`). Any other Fediverse Note gives what it has: its text with the HTML stripped, its
hashtags and its links; its title is its `name` or its first words.

The JSON is read as plain JSON by these term names, never expanded as JSON-LD: expanding would mean fetching the
sender's contexts (Fedify sends seven). A sender that maps our term names to other IRIs only mislabels its own Notes.

Checks (all before anything is stored): the object is a Note, Article or Page; its id is an http(s) URL on the same
host as the actor that sent it; the actor is among its `attributedTo`; it is public (addressed to `as:Public`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from lectern.discovery_index.html_text import html_to_text, is_web_url, plain_text
from lectern.discovery_index.records import CollectionRecord, ResourceRecord
from lectern.federation_shim import id_of, server_of, timestamp

INDEXED_TYPES = frozenset({"Note", "Article", "Page"})
PUBLIC_ADDRESSES = frozenset({"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"})
LECTERN_TERMS = ("learningResourceType", "educationalLevel", "inLanguage")

MAX_TITLE, MAX_SUMMARY, MAX_BODY = 300, 2000, 20_000
MAX_ITEMS, MAX_ITEM = 50, 200


@lru_cache(maxsize=4096)
def server(url: str) -> str:
    """`server_of`, remembered: the checks ask it of the same few actors again and again (six times per Note)."""
    return server_of(url)


@dataclass(frozen=True)
class NotIndexed:
    """Why an object is not indexed: a stable `reason` and a sentence."""

    reason: str
    detail: str


def ids_of(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [found for item in items[:MAX_ITEMS] if (found := id_of(item))]


def types_of(document: dict[str, Any]) -> set[str]:
    kind = document.get("type")
    return {t for t in (kind if isinstance(kind, list) else [kind]) if isinstance(t, str)}


def is_public(document: dict[str, Any]) -> bool:
    return any(address in PUBLIC_ADDRESSES for key in ("to", "cc") for address in ids_of(document.get(key)))


def clip(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else text[:limit]).rstrip(" ,.;:") + "…"


def text_of(value: Any, limit: int = MAX_ITEM) -> str:
    """A short text field (a name, a summary, a tag, an author) as plain text: senders put HTML in all of them."""
    if isinstance(value, dict):
        value = value.get("name")
    if not isinstance(value, str):
        return ""
    return _short_text(value, limit) if len(value) <= MAX_ITEM else clip(plain_text(value[: limit * 20]), limit)


@lru_cache(maxsize=65536)
def _short_text(value: str, limit: int) -> str:
    """`text_of` a string of at most MAX_ITEM characters, remembered: subjects, levels, types, authors and tags
    come again and again (eleven per Lectern Note)."""
    return clip(plain_text(value[: limit * 20]), limit)


def texts_of(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(dict.fromkeys(text for item in items[:MAX_ITEMS] if (text := text_of(item))))


def timestamp_of(value: Any) -> str:
    """An ISO 8601 date-time as 'YYYY-MM-DDTHH:MM:SSZ' in UTC (so strings sort as times), or ''."""
    if not isinstance(value, str) or len(value) > 40:
        return ""
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return timestamp(moment)
    except (ValueError, OverflowError):  # not a date, or one that leaves the calendar in UTC (0001-01-01T00:00+01:00)
        return ""


def page_url(value: Any, fallback: str) -> str:
    """`url` as a string, a Link or a list of them: the first HTML (or untyped) http(s) address."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            media = item.get("mediaType")
            if media not in (None, "text/html"):
                continue
            item = item.get("href")
        if is_web_url(item):
            return str(item)
    return fallback


def language_of(note: dict[str, Any]) -> str:
    value = note.get("inLanguage")
    if isinstance(value, dict):
        value = value.get("identifier") or value.get("name")
    if not isinstance(value, str):
        content_map = note.get("contentMap")
        value = next(iter(content_map), "") if isinstance(content_map, dict) and content_map else ""
    tag = value.strip() if isinstance(value, str) else ""
    parts = tag.split("-")
    if not tag or len(tag) > 35 or not all(part.isalnum() and part.isascii() for part in parts):
        return ""
    return "-".join([parts[0].lower(), *parts[1:]])


def content_of(note: dict[str, Any]) -> str:
    content = note.get("content")
    if isinstance(content, str):
        return content
    content_map = note.get("contentMap")
    if isinstance(content_map, dict):
        return next((value for value in content_map.values() if isinstance(value, str)), "")
    return ""


def hashtags_of(note: dict[str, Any]) -> list[str]:
    tags = note.get("tag")
    names = []
    for tag in tags[:MAX_ITEMS] if isinstance(tags, list) else [tags]:
        if isinstance(tag, dict) and "Hashtag" in types_of(tag) and isinstance(tag.get("name"), str):
            names.append(tag["name"].lstrip("#"))
    return names


FACT_LINES = ("License:", "Level:", "Type:", "By:")


def _is_boilerplate(paragraph: str) -> bool:
    """A paragraph Lectern writes from the metadata (`generator.objects.note_content`): the links to the material
    (one address per line), the fact lines (License, Level, Type, By), the hashtags. Searching them would make
    `license` match every resource and a Spanish resource match `fraction` through its address."""
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    return all(
        line.startswith(FACT_LINES) or (" " not in line and "/" in line) or all(w.startswith("#") for w in line.split())
        for line in lines
    )


def check_object(note: dict[str, Any], actor_id: str, in_group: bool = False) -> NotIndexed | None:
    """None when `note` may be indexed as posted by `actor_id`; otherwise why not. `in_group`: `actor_id` is a
    FEP-1b12 group that shared the note, which an actor of its host posted in it (`audience`)."""
    object_id = note.get("id")
    if not is_web_url(object_id):
        return NotIndexed("invalid_object", "the object has no http(s) id")
    if not types_of(note) & INDEXED_TYPES:
        return NotIndexed("not_a_note", f"{object_id} is a {note.get('type')!r}; only Notes, Articles and Pages")
    if server_of(str(object_id)) != server(actor_id):
        return NotIndexed("foreign_object", f"{object_id} is not on the host of {actor_id}")
    if in_group:
        if actor_id not in ids_of(note.get("audience")) + ids_of(note.get("to")) + ids_of(note.get("cc")):
            return NotIndexed("not_in_group", f"{object_id} was not posted in the group {actor_id}")
        if not any(server(author) == server(actor_id) for author in ids_of(note.get("attributedTo"))):
            return NotIndexed("not_attributed", f"{object_id} has no author on the host of {actor_id}")
    elif actor_id not in ids_of(note.get("attributedTo")):
        return NotIndexed("not_attributed", f"{object_id} is not attributed to {actor_id}")
    if not is_public(note):
        return NotIndexed("not_public", f"{object_id} is not addressed to the public")
    return None


def note_to_record(
    note: dict[str, Any], collection: CollectionRecord, in_group: bool = False
) -> ResourceRecord | NotIndexed:
    """The record for a Note posted by `collection` (or, `in_group`, in it); see the module docstring for the checks
    and the reading."""
    problem = check_object(note, collection.actor_id, in_group)
    if problem is not None:
        return problem
    object_id = str(note["id"])
    parsed = html_to_text(content_of(note))
    keywords = note.get("keywords")
    tags = texts_of([*(keywords if isinstance(keywords, list) else []), *hashtags_of(note), *parsed.hashtags])
    resource_urls = note.get("resourceUrl")
    candidates = resource_urls if isinstance(resource_urls, list) else [resource_urls]
    links = tuple(str(url) for url in candidates[:MAX_ITEMS] if is_web_url(url))
    lectern = any(term in note for term in LECTERN_TERMS)
    paragraphs = list(parsed.paragraphs)
    name = text_of(note.get("name"), MAX_TITLE)
    if lectern:
        title = name or (clip(paragraphs[0], MAX_TITLE) if paragraphs else "")
        summary = clip(paragraphs[1], MAX_SUMMARY) if len(paragraphs) > 1 else ""
        rest = paragraphs[2:]
    else:
        text = " ".join(" ".join(paragraphs).split())
        title = name or clip(paragraphs[0].split("\n", 1)[0], 120) if paragraphs else name
        summary = text_of(note.get("summary"), MAX_SUMMARY)
        if summary:  # the content is not the summary: all of it is the body
            rest = [text] if text else []
        else:  # the summary is the start of the content: the body is what the summary left out
            summary = clip(text, MAX_SUMMARY)
            kept = summary.removesuffix("…")
            rest = [text[len(kept) :].strip()] if text.startswith(kept) and len(kept) < len(text) else []
    if lectern:
        rest = [paragraph for paragraph in rest if not _is_boilerplate(paragraph)]
    subjects = texts_of(note.get("about"))
    authors = texts_of(note.get("author"))
    license_uri = note.get("license")
    resource_type = texts_of(note.get("learningResourceType"))
    published = timestamp_of(note.get("published"))
    return ResourceRecord(
        object_id=object_id,
        collection=collection.actor_id,
        instance=collection.instance,
        url=page_url(note.get("url"), object_id),
        title=title or object_id,
        summary=summary,
        body=clip("\n".join(rest), MAX_BODY),
        license=str(license_uri) if is_web_url(license_uri) and len(str(license_uri)) <= 300 else "",
        language=language_of(note),
        resource_type=resource_type[0].lower() if resource_type else "",
        levels=tuple(level.lower() for level in texts_of(note.get("educationalLevel"))),
        subjects=subjects,
        tags=tags,
        authors=authors,
        links=(links or parsed.links)[:MAX_ITEMS],
        published=published,
        updated=timestamp_of(note.get("updated")) or published,
        source="lectern" if lectern else "activitypub",
    )
