"""The ActivityStreams 2.0 names every federated app needs: context URLs, the public collection and the media types.

An app's own extra terms (Lectern's schema.org context, for instance) stay with the app; these are the ones the
specifications fix (ActivityStreams 2.0 section 2.1, ActivityPub section 3.2, RFC 7033 section 10.2).
"""

from __future__ import annotations

__all__ = ["ACTIVITYSTREAMS", "ACTIVITY_JSON", "JRD_JSON", "LD_JSON_PROFILE", "PUBLIC", "SECURITY"]

ACTIVITYSTREAMS = "https://www.w3.org/ns/activitystreams"
SECURITY = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

ACTIVITY_JSON = "application/activity+json"
LD_JSON_PROFILE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
JRD_JSON = "application/jrd+json"
