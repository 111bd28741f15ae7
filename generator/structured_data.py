"""schema.org JSON-LD for the HTML pages: a `LearningResource` per resource, a `Collection`, the `WebSite`.

Search engines and OER harvesters read `<script type="application/ld+json">` (https://schema.org/LearningResource).
A resource page describes the resource as an AMB record (https://w3id.org/kim/amb/20231019, the profile OER search
engines such as OERSI harvest; `generator.amb` has the mapping tables): `id` and `url` are its page here, `sameAs`
the material's own address, hosted files are its `encoding` (MediaObjects), `license` the license's URI, type, level
and subject areas are concepts of controlled vocabularies, `isPartOf` the collection, `mainEntityOfPage` the page as
the metadata's source with the site as its provider. The free-text subjects and the tags are its `keywords`.

Pure functions, dict in and out; `script_json` makes a document safe inside a `<script>` element.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from lectern.generator import amb
from lectern.generator.content_model import Collection, Resource
from lectern.generator.objects import JSON
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
    site_name: str | None = None,
) -> JSON:
    """The resource as an AMB record (a schema.org LearningResource with controlled vocabularies, `generator.amb`);
    `file_types` maps a hosted file's name to its media type; `site_name` names the provider of the metadata."""
    page = paths.resource_page(resource.key)
    provider: JSON = {"id": paths.home, "type": "WebSite", **({"name": site_name} if site_name else {})}
    document: JSON = {
        "@context": amb.context(resource.language),
        "id": page,
        "type": amb.types(resource.resource_type),
        "name": resource.title,
        "description": resource.summary,
        "url": page,
        "license": amb.license_json(resource.license),
        "learningResourceType": amb.resource_type_concepts(resource.resource_type),
        "educationalLevel": amb.level_concepts(resource.levels),
        "creator": amb.creators(resource.authors),
        "creditText": f"{resource.title} by {', '.join(resource.authors)}, {resource.license.name}",
        "keywords": list(dict.fromkeys([*resource.subjects, *resource.tags])),
        "dateCreated": _iso(resource.added),
        "datePublished": _iso(resource.added),
        "dateModified": _iso(resource.last_changed),
        "isAccessibleForFree": True,
        "isPartOf": [{"id": paths.collection_page(collection.slug), "name": collection.title}],
        "mainEntityOfPage": [
            {
                "id": page,
                "type": "WebContent",
                "provider": provider,
                "dateCreated": _iso(resource.added),
                "dateModified": _iso(resource.last_changed),
            }
        ],
    }
    language = amb.iso_639_1(resource.language)
    if language:
        document["inLanguage"] = [language]
    about = amb.subject_concepts(resource.areas, resource.levels)
    if about:
        document["about"] = about
    if resource.link:
        document["sameAs"] = resource.link
    if resource.files:
        types = file_types or {}
        document["encoding"] = [
            {
                "type": "MediaObject",
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
    text = indented_json(document)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def indented_json(document: Any) -> str:
    """`json.dumps(document, ensure_ascii=False, indent=2)`, the same text, several times faster: with an indent,
    `json` switches to its pure-Python encoder, a chain of generators; this builds the text in one list. A document
    that is not plain JSON data (a key that is not a string) is left to `json`."""
    out: list[str] = []
    try:
        _indented(document, "\n", out)
    except _NotPlain:
        return json.dumps(document, ensure_ascii=False, indent=2)
    return "".join(out)


class _NotPlain(Exception):
    pass


def _indented(value: Any, newline: str, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise _NotPlain
            out.append(separator)
            out.append(encode_basestring(key))
            out.append(": ")
            _indented(item, inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _indented(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    else:  # numbers, true, false, null (and json's own error for anything else)
        out.append(json.dumps(value))
