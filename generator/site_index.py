"""The static JSON index of a collection (`/<collection>/resources.json`) and the filter choices built from it.

A collection page lists every resource in its HTML, so it works without JavaScript. The theme's script then reads
this index to filter the list in the browser, with no server: by level, type, language and license, and by words in
the title, summary, subjects, tags and authors. Each entry's `key` matches the `data-key` of its item on the page.

Pure functions; the order of entries and of choices is fixed (levels and types in the order of the content format),
so the files are byte-identical from build to build.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lectern.generator.content_model import LEVELS, RESOURCE_TYPES, Collection, Resource
from lectern.generator.language_names import language_name
from lectern.generator.objects import JSON
from lectern.site_paths import SitePaths

INDEX_FILE = "resources.json"


def index_path(collection_slug: str) -> str:
    """The index's path in the output folder (and below the site URL)."""
    return f"{collection_slug}/{INDEX_FILE}"


def index_entry(resource: Resource, paths: SitePaths) -> JSON:
    return {
        "key": resource.key,
        "url": paths.resource_page(resource.key),
        "title": resource.title,
        "summary": resource.summary,
        "level": list(resource.levels),
        "type": resource.resource_type,
        "language": resource.language,
        "license": resource.license.identifier,
        "subjects": list(resource.subjects),
        "tags": list(resource.tags),
        "authors": list(resource.authors),
        "added": resource.added.date().isoformat(),
        "updated": resource.last_changed.date().isoformat(),
    }


def collection_index(collection: Collection, resources: Sequence[Resource], paths: SitePaths) -> JSON:
    """The index of `collection`; `resources` in the order the page lists them."""
    return {
        "collection": collection.slug,
        "title": collection.title,
        "url": paths.collection_page(collection.slug),
        "resources": [index_entry(resource, paths) for resource in resources],
    }


@dataclass(frozen=True)
class Facet:
    """One filter of the collection page: a `<select name=...>` with the values present in the collection."""

    name: str  # the index field and the query parameter: "level", "type", "language", "license"
    label: str
    any_label: str
    options: tuple[tuple[str, str], ...]  # (value, label)


def facets(resources: Sequence[Resource]) -> tuple[Facet, ...]:
    """The filters worth offering: those where the collection has at least two different values."""
    levels = {level for r in resources for level in r.levels}
    types = {r.resource_type for r in resources}
    languages = {r.language for r in resources}
    licenses = {r.license.identifier: r.license.name for r in resources}
    found = [
        Facet("level", "Level", "Any level", tuple((v, v.capitalize()) for v in LEVELS if v in levels)),
        Facet("type", "Type", "Any type", tuple((v, v.capitalize()) for v in RESOURCE_TYPES if v in types)),
        Facet(
            "language",
            "Language",
            "Any language",
            tuple(sorted(((v, language_name(v)) for v in languages), key=lambda o: o[1])),
        ),
        Facet("license", "License", "Any license", tuple(sorted(licenses.items(), key=lambda o: o[1]))),
    ]
    return tuple(facet for facet in found if len(facet.options) >= 2)
