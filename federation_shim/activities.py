"""ActivityStreams builders: pure functions from ids to the dict of one activity or object (ActivityStreams 2.0
Vocabulary, section 3; ActivityPub section 6 for what a server sends).

Every builder writes its keys in one order, so what two apps build from the same ids is byte-identical once
serialized:

    @context  id  type  actor  audience  published  to  cc  object

A key whose argument is None is left out; `context=None` builds an activity to embed in another (no `@context`).

    create(id, actor, object)        a Create, the object embedded whole as Mastodon expects
    announce(id, actor, object)      a boost (an object's id) or a group's share (an embedded activity, FEP-1b12)
    update(id, actor, object)        an Update, the object embedded with its new `updated`
    delete(id, actor, object)        a Delete of an object (a `tombstone(...)`) or of an actor (its id)
    tombstone(id, former_type, deleted)
    follow(id, actor, object)        a Follow; `undo(id, actor, follow(...))` takes it back
    accept_follow(follow, actor)     the Accept of a Follow received, its id stable for that Follow

`id_of(value)` reads a link the way every server must: a URL string, or an embedded object's `id`.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypedDict, Unpack

from lectern.federation_shim.vocabulary import ACTIVITYSTREAMS

__all__ = [
    "JSON",
    "ActivityFields",
    "accept_follow",
    "activity",
    "announce",
    "create",
    "delete",
    "follow",
    "id_of",
    "tombstone",
    "undo",
    "update",
]

JSON = dict[str, Any]
Context = str | list[Any] | None


def id_of(value: Any) -> str | None:
    """A link as its URL: a string, or an object's `id` (Mastodon's `value_or_id`); None for anything else, and for
    an empty string (no link)."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def activity(
    kind: str,
    id: str,
    actor: str,
    object: Any,
    *,
    context: Context = ACTIVITYSTREAMS,
    audience: str | None = None,
    published: str | None = None,
    to: list[str] | None = None,
    cc: list[str] | None = None,
) -> JSON:
    """Any activity, its keys in the order of the module docstring."""
    built: JSON = {} if context is None else {"@context": context}
    built.update(id=id, type=kind, actor=actor)
    for key, value in (("audience", audience), ("published", published), ("to", to), ("cc", cc)):
        if value is not None:
            built[key] = value
    built["object"] = object
    return built


class ActivityFields(TypedDict, total=False):
    """The optional keys of an activity, as `activity` takes them."""

    context: Context
    audience: str | None
    published: str | None
    to: list[str] | None
    cc: list[str] | None


def _embedded(document: JSON) -> JSON:
    return {key: value for key, value in document.items() if key != "@context"}


def create(id: str, actor: str, object: JSON, **fields: Unpack[ActivityFields]) -> JSON:
    """The Create of `object`, embedded whole (without its own `@context`)."""
    return activity("Create", id, actor, _embedded(object), **fields)


def announce(id: str, actor: str, object: str | JSON, **fields: Unpack[ActivityFields]) -> JSON:
    """A boost of an object (its id) or a group's share of an activity (embedded, without its `@context`)."""
    return activity("Announce", id, actor, _embedded(object) if isinstance(object, dict) else object, **fields)


def update(id: str, actor: str, object: JSON, **fields: Unpack[ActivityFields]) -> JSON:
    """The Update of `object`, embedded whole (without its own `@context`)."""
    return activity("Update", id, actor, _embedded(object), **fields)


def delete(id: str, actor: str, object: str | JSON, **fields: Unpack[ActivityFields]) -> JSON:
    """The Delete of an object (a `tombstone`) or of an actor (its id, sent by the actor itself)."""
    return activity("Delete", id, actor, object, **fields)


def tombstone(id: str, former_type: str, deleted: str, *, context: Context = None, url: str | None = None) -> JSON:
    """What an object's id answers once it is gone (ActivityPub 6.4): its former type and when it went."""
    built: JSON = {} if context is None else {"@context": context}
    built.update(id=id, type="Tombstone", formerType=former_type, deleted=deleted)
    if url is not None:
        built["url"] = url
    return built


def follow(id: str, actor: str, object: str, *, context: Context = ACTIVITYSTREAMS) -> JSON:
    """`actor` asks to follow `object` (an actor's id)."""
    return activity("Follow", id, actor, object, context=context)


def undo(id: str, actor: str, object: str | JSON, *, context: Context = ACTIVITYSTREAMS) -> JSON:
    """`actor` takes back one of its activities (embed it: Mastodon finds a Follow by its id, actor and object)."""
    return activity("Undo", id, actor, object, context=context)


def reject_follow(received: JSON, actor: str) -> JSON:
    """The Reject of a Follow received (a follow request the actor's owner declined), embedding the Follow as
    Mastodon expects (app/lib/activitypub/activity/reject.rb looks the follow request up by the embedded Follow)."""
    digest = hashlib.sha256(str(received.get("id")).encode()).hexdigest()[:24]
    follower = id_of(received["actor"])
    embedded = follow(str(received["id"]), str(follower), actor, context=None)
    return activity("Reject", f"{actor}#rejects/{digest}", actor, embedded)


def accept_follow(received: JSON, actor: str) -> JSON:
    """The Accept of a Follow received, embedding the Follow as Mastodon expects; its id is stable for that Follow,
    so a redelivered Follow gets the same Accept."""
    digest = hashlib.sha256(str(received.get("id")).encode()).hexdigest()[:24]
    follower = id_of(received["actor"])
    embedded = follow(str(received["id"]), str(follower), actor, context=None)
    return activity("Accept", f"{actor}#accepts/{digest}", actor, embedded)
