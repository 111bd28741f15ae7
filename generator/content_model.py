"""Lectern's content model: a site holds collections; a collection holds resources.

These are plain frozen values built by `generator.content_loader` from the files under `content/`; everything
downstream (the Pelican plugin, the ActivityStreams conversion, the shim) reads them and never the files again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from lectern.generator.licenses import License
from lectern.reply_files import ReplyFile

LEVELS = (
    "early childhood",
    "primary",
    "lower secondary",
    "upper secondary",
    "higher education",
    "adult education",
    "professional development",
)

RESOURCE_TYPES = (
    "textbook",
    "course",
    "lesson plan",
    "lecture",
    "video",
    "audio",
    "slides",
    "worksheet",
    "exercise",
    "assessment",
    "simulation",
    "interactive",
    "reading",
    "image",
    "dataset",
    "tool",
    "other",
)


QUOTE_POLICIES = ("everyone", "followers", "nobody")


@dataclass(frozen=True)
class Collection:
    slug: str
    title: str
    summary: str
    curator: str
    language: str
    tags: tuple[str, ...]
    image: str | None
    description: str
    source_path: str
    # A classroom collection asks its curator before anyone may follow it (manuallyApprovesFollowers) and never
    # approves replies automatically (docs/communities.md).
    classroom: bool = False
    quotes: str = "everyone"  # who may quote its resources without asking: everyone, followers or nobody (FEP-044f)


@dataclass(frozen=True)
class Resource:
    collection: str
    slug: str
    title: str
    summary: str
    link: str | None
    files: tuple[str, ...]
    license: License
    language: str
    levels: tuple[str, ...]
    subjects: tuple[str, ...]
    resource_type: str
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    added: datetime
    updated: datetime | None
    notes: str
    source_path: str
    unit: str | None = None  # the course unit it belongs to, grouping it in an exported cartridge
    areas: tuple[str, ...] = ()  # subject areas of controlled vocabularies (generator.subject_areas), by name
    # the replies the curator approved and the reactions counted (lectern.reply_files, `<slug>.replies.json`)
    conversation: ReplyFile = ReplyFile()

    @property
    def key(self) -> str:
        """`collection/slug`: unique on the site, and the root of every id derived from this resource."""
        return f"{self.collection}/{self.slug}"

    @property
    def last_changed(self) -> datetime:
        return self.updated or self.added


@dataclass(frozen=True)
class Site:
    collections: tuple[Collection, ...]
    resources: tuple[Resource, ...]

    def collection(self, slug: str) -> Collection:
        for collection in self.collections:
            if collection.slug == slug:
                return collection
        raise KeyError(slug)

    def resources_of(self, slug: str) -> tuple[Resource, ...]:
        return self._by_collection.get(slug, ())

    @cached_property
    def _by_collection(self) -> dict[str, tuple[Resource, ...]]:
        """The resources of each collection, in the site's order (asked per collection, a scan of every resource
        each time was a tenth of a rebuild of 5,000 resources)."""
        grouped: dict[str, list[Resource]] = {}
        for resource in self.resources:
            grouped.setdefault(resource.collection, []).append(resource)
        return {slug: tuple(resources) for slug, resources in grouped.items()}
