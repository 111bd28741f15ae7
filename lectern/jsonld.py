"""JSON-LD processing with bundled contexts only: a pyld document loader that never touches the network.

Remote input is hostile and contexts are code: a document that names a context we do not bundle is refused, not
fetched. The ActivityStreams context sets `"@vocab": "_:"`, so an undefined term is not dropped by expansion but
becomes a blank-node IRI (`_:term`); `undefined_terms` finds those.

Only the tests expand documents (to check what a build writes), so pyld is a test extra (`pip install -e .[test]`),
imported when `expand` is first called.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from lectern.vocabulary import ACTIVITYSTREAMS, SECURITY

BUNDLED = {
    ACTIVITYSTREAMS: "activitystreams.jsonld",
    SECURITY: "security-v1.jsonld",
}
_ALIASES = {
    "https://www.w3.org/ns/activitystreams.jsonld": ACTIVITYSTREAMS,
    "http://www.w3.org/ns/activitystreams": ACTIVITYSTREAMS,
    "https://w3id.org/security/v1.jsonld": SECURITY,
}


class UnknownContext(Exception):
    """A document named a context Lectern does not bundle."""


@cache
def bundled_context(url: str) -> dict[str, Any]:
    canonical = _ALIASES.get(url.rstrip("#"), url.rstrip("#"))
    name = BUNDLED.get(canonical)
    if name is None:
        raise UnknownContext(f"the JSON-LD context {url} is not bundled with Lectern and is never fetched")
    document: dict[str, Any] = json.loads(resources.files("lectern.contexts").joinpath(name).read_text("utf-8"))
    return document


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld `documentLoader` that answers from the bundled contexts and refuses every other URL."""
    return {"contextUrl": None, "documentUrl": url, "document": bundled_context(url)}


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    from pyld import jsonld

    expanded: list[dict[str, Any]] = jsonld.expand(document, {"documentLoader": offline_loader})
    return expanded


def undefined_terms(expanded: Any) -> set[str]:
    """Property names in an expanded document that are not absolute IRIs (e.g. `_:foo` from AS2's `@vocab`)."""
    found: set[str] = set()
    if isinstance(expanded, list):
        for item in expanded:
            found |= undefined_terms(item)
    elif isinstance(expanded, dict):
        for key, value in expanded.items():
            if not key.startswith("@") and "://" not in key:
                found.add(key)
            found |= undefined_terms(value)
    return found
