"""The ActivityStreams vocabulary Lectern speaks: the toolkit's context URLs and public collection
(`federation_shim.vocabulary`, re-exported here), and our inline context.

Documents reference the ActivityStreams and security contexts by URL (every server knows them; our own JSON-LD
processing maps them to the copies bundled in `lectern/contexts/`) and carry the rest inline, as Mastodon does, so no
consumer ever has to fetch a context of ours. Every extra term maps to a real IRI: Mastodon's `toot:` terms, FEP-2c59's
`webfinger`, and schema.org's LearningResource vocabulary for the educational metadata.
"""

from __future__ import annotations

from typing import Any

from lectern.federation_shim import (
    ACTIVITY_JSON,
    ACTIVITYSTREAMS,
    JRD_JSON,
    LD_JSON_PROFILE,
    PUBLIC,
    SECURITY,
)

__all__ = [
    "ACTIVITYSTREAMS",
    "ACTIVITY_JSON",
    "ACTOR_CONTEXT",
    "ACTOR_TERMS",
    "JRD_JSON",
    "LD_JSON_PROFILE",
    "OBJECT_CONTEXT",
    "OBJECT_TERMS",
    "INTERACTION_TERMS",
    "PUBLIC",
    "SECURITY",
]

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
# Who may quote a post without asking (FEP-044f), in GoToSocial's terms as Mastodon 4.5 reads them
# (app/helpers/context_helper.rb, interaction_policies)
INTERACTION_TERMS: dict[str, Any] = {
    "gts": "https://gotosocial.org/ns#",
    "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
    "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
    "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
    "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
}
OBJECT_TERMS.update(INTERACTION_TERMS)

OBJECT_CONTEXT: list[Any] = [ACTIVITYSTREAMS, OBJECT_TERMS]
