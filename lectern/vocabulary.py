"""The ActivityStreams vocabulary Lectern speaks: context URLs, the public collection, and our inline context.

Documents reference the ActivityStreams and security contexts by URL (every server knows them; our own JSON-LD
processing maps them to the copies bundled in `lectern/contexts/`) and carry the rest inline, as Mastodon does, so no
consumer ever has to fetch a context of ours. Every extra term maps to a real IRI: Mastodon's `toot:` terms, FEP-2c59's
`webfinger`, and schema.org's LearningResource vocabulary for the educational metadata.
"""

from __future__ import annotations

from typing import Any

ACTIVITYSTREAMS = "https://www.w3.org/ns/activitystreams"
SECURITY = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

ACTIVITY_JSON = "application/activity+json"
LD_JSON_PROFILE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
JRD_JSON = "application/jrd+json"

ACTOR_TERMS: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "schema": "http://schema.org/",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    # As Mastodon defines it (app/helpers/context_helper.rb); its values are host names, read raw.
    "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
    "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}

OBJECT_TERMS: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "schema": "http://schema.org/",
    "Hashtag": "as:Hashtag",
    "sensitive": "as:sensitive",
    "LearningResource": "schema:LearningResource",
    "license": {"@id": "schema:license", "@type": "@id"},
    "resourceUrl": {"@id": "schema:url", "@type": "@id"},
    "inLanguage": "schema:inLanguage",
    "educationalLevel": "schema:educationalLevel",
    "learningResourceType": "schema:learningResourceType",
    "about": "schema:about",
    "creditText": "schema:creditText",
    "dateCreated": "schema:dateCreated",
    "author": "schema:author",
    "keywords": "schema:keywords",
}

ACTOR_CONTEXT: list[Any] = [ACTIVITYSTREAMS, SECURITY, ACTOR_TERMS]
OBJECT_CONTEXT: list[Any] = [ACTIVITYSTREAMS, OBJECT_TERMS]
