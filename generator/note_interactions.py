"""What a resource's Note says about its conversation: approved replies, like, boost and quote counts, its FEP-7888
context and its FEP-044f quote policy, and the static collections those point to.

From the resource's replies file (`lectern.reply_files`, written by `lectern review`):
- `replies`: an OrderedCollection of the approved replies' ids (inline, and a static file of its own when there are
  any), so a server that fetches the conversation (Mastodon's ActivityPub::FetchRepliesService reads `replies`,
  inline items or by id) finds exactly what the curator approved, nothing else;
- `likes` and `shares`: inline Collections with `totalItems`, the counts Mastodon shows for a remote post
  (status_stats.untrusted_favourites_count and untrusted_reblogs_count come from these);
- `context` (FEP-7888), when there are approved replies: the conversation as an OrderedCollection of the Note and
  its replies;
- `interactionPolicy.canQuote` (FEP-044f, GoToSocial's terms as Mastodon 4.5 reads them, app/helpers/
  context_helper.rb): who may quote without asking; Lectern answers every QuoteRequest itself
  (lectern.interaction_desk), so the policy it states is the one it applies.
"""

from __future__ import annotations

from typing import Any, Literal

from lectern.reply_files import ReplyFile
from lectern.site_paths import SitePaths
from lectern.vocabulary import ACTIVITYSTREAMS, INTERACTION_TERMS, PUBLIC

QuotePolicy = Literal["everyone", "followers", "nobody"]
QUOTE_POLICIES: tuple[QuotePolicy, ...] = ("everyone", "followers", "nobody")
CONVERSATION_FIELDS = ("replies", "likes", "shares", "context", "interactionPolicy")


def told_form(note: dict[str, Any]) -> dict[str, Any]:
    """The Note as followers are told about it (`lectern.manifest`'s hash): without its conversation fields and
    their context terms. A new like, an approved reply or a quote policy changes the Note, which servers read when
    they fetch it, but sends no Update to every follower; and a Note from before these fields hashes the same."""
    told = {key: value for key, value in note.items() if key not in CONVERSATION_FIELDS}
    context = told.get("@context")
    if isinstance(context, list):
        told["@context"] = [
            {k: v for k, v in entry.items() if k not in INTERACTION_TERMS} if isinstance(entry, dict) else entry
            for entry in context
        ]
    return told


def quote_policy_of(value: str) -> QuotePolicy:
    """A collection's `quotes:` field (checked by the loader against QUOTE_POLICIES) as a policy."""
    for policy in QUOTE_POLICIES:
        if policy == value:
            return policy
    return "everyone"


def conversation_ids(paths: SitePaths, key: str) -> dict[str, str]:
    """The ids (and, under the output folder, the files) of a resource's replies, likes, shares and context."""
    return {name: paths.url(f"ap/{name}/{key}.json") for name in ("replies", "contexts")}


def quote_policy(policy: QuotePolicy, collection_followers: str) -> dict[str, Any]:
    """FEP-044f: `automaticApproval` names who may quote; an empty policy lets nobody (Mastodon then does not
    offer to quote the post)."""
    if policy == "nobody":
        return {"canQuote": {"automaticApproval": []}}
    return {"canQuote": {"automaticApproval": PUBLIC if policy == "everyone" else collection_followers}}


def note_fields(
    paths: SitePaths, key: str, replies: ReplyFile, policy: QuotePolicy, collection_followers: str
) -> dict[str, Any]:
    """The fields a resource's Note carries about its conversation. Counts are inline (Mastodon reads `totalItems`
    there); the replies collection and the context are documents of their own only when there are approved replies
    (`conversation_documents`), so a resource nobody replied to adds no file to the build."""
    ids = conversation_ids(paths, key)
    approved = _ordered(replies)
    fields: dict[str, Any] = {
        "replies": {"type": "OrderedCollection", "totalItems": len(approved), "orderedItems": approved},
        "likes": {"type": "Collection", "totalItems": replies.likes},
        "shares": {"type": "Collection", "totalItems": replies.boosts},
        "interactionPolicy": quote_policy(policy, collection_followers),
    }
    if approved:
        fields["replies"] = {"id": ids["replies"], **fields["replies"]}
        fields["context"] = ids["contexts"]
    return fields


def conversation_documents(
    paths: SitePaths, key: str, note_id: str, site_actor: str, replies: ReplyFile
) -> dict[str, dict[str, Any]]:
    """The documents behind a Note's `replies` and `context`, by id: none when nobody's reply was approved."""
    ordered = _ordered(replies)
    if not ordered:
        return {}
    ids = conversation_ids(paths, key)
    return {
        ids["replies"]: {
            "@context": ACTIVITYSTREAMS,
            "id": ids["replies"],
            "type": "OrderedCollection",
            "totalItems": len(ordered),
            "orderedItems": ordered,
        },
        ids["contexts"]: {
            "@context": ACTIVITYSTREAMS,
            "id": ids["contexts"],
            "type": "OrderedCollection",
            "attributedTo": site_actor,
            "totalItems": len(ordered) + 1,
            "orderedItems": [note_id, *ordered],
        },
    }


def _ordered(replies: ReplyFile) -> list[str]:
    return [reply.id for reply in sorted(replies.replies, key=lambda r: (r.published, r.id))]
