"""schema.org JSON-LD for the HTML pages: a `LearningResource` per resource, a `Collection`, the `WebSite`.

Search engines and OER harvesters read `<script type="application/ld+json">` (https://schema.org/LearningResource).
A resource page describes the resource: `url` is its page here, `sameAs` the material's own address, hosted files are
its `encoding` (MediaObjects), `license` the canonical license URI (`generator.licenses`), and `isPartOf` the
collection. Authors are given as text: the content format does not say whether an author is a person or an
organisation, and schema.org accepts a name where it expects either.

Pure functions, dict in and out; `script_json` makes a document safe inside a `<script>` element.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from generator.content_model import Collection, Resource
from generator.objects import JSON
from lectern.site_paths import SitePaths

SCHEMA_ORG = "https://schema.org"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _collection_ref(collection: Collection, paths: SitePaths) -> JSON:
    url = paths.collection_page(collection.slug)
    return {"@type": "Collection", "@id": url, "name": collection.title, "url": url}


def learning_resource(
    resource: Resource,
    collection: Collection,
    paths: SitePaths,
    file_types: Mapping[str, str] | None = None,
) -> JSON:
    """The resource as a schema.org LearningResource; `file_types` maps a hosted file's name to its media type."""
    page = paths.resource_page(resource.key)
    document: JSON = {
        "@context": SCHEMA_ORG,
        "@type": "LearningResource",
        "@id": page,
        "name": resource.title,
        "description": resource.summary,
        "url": page,
        "license": resource.license.uri,
        "inLanguage": resource.language,
        "educationalLevel": list(resource.levels),
        "learningResourceType": resource.resource_type,
        "about": [{"@type": "Thing", "name": subject} for subject in resource.subjects],
        "author": list(resource.authors),
        "creditText": f"{resource.title} by {', '.join(resource.authors)}, {resource.license.name}",
        "datePublished": _iso(resource.added),
        "dateModified": _iso(resource.last_changed),
        "isAccessibleForFree": True,
        "isPartOf": _collection_ref(collection, paths),
    }
    if resource.tags:
        document["keywords"] = ", ".join(resource.tags)
    if resource.link:
        document["sameAs"] = resource.link
    if resource.files:
        types = file_types or {}
        document["encoding"] = [
            {
                "@type": "MediaObject",
                "contentUrl": paths.file(resource.collection, name),
                "name": name,
                **({"encodingFormat": types[name]} if name in types else {}),
            }
            for name in resource.files
        ]
    return document


def collection_document(collection: Collection, resources: Sequence[Resource], paths: SitePaths) -> JSON:
    url = paths.collection_page(collection.slug)
    document: JSON = {
        "@context": SCHEMA_ORG,
        **_collection_ref(collection, paths),
        "description": collection.summary,
        "inLanguage": collection.language,
        "maintainer": collection.curator,
        "hasPart": [
            {
                "@type": "LearningResource",
                "@id": paths.resource_page(r.key),
                "name": r.title,
                "url": paths.resource_page(r.key),
            }
            for r in resources
        ],
    }
    if collection.tags:
        document["keywords"] = ", ".join(collection.tags)
    if collection.image:
        document["image"] = paths.file(collection.slug, collection.image)
    document["url"] = url
    return document


def website_document(site_name: str, description: str, paths: SitePaths, collections: Sequence[Collection]) -> JSON:
    return {
        "@context": SCHEMA_ORG,
        "@type": "WebSite",
        "@id": paths.home,
        "name": site_name,
        "description": description,
        "url": paths.home,
        "hasPart": [_collection_ref(c, paths) for c in collections],
    }


def script_json(document: JSON) -> str:
    """`document` as JSON that cannot end its `<script>` element early (no raw `<`, `>` or `&`)."""
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
