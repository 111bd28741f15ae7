"""What a resource's Note says about its conversation: approved replies, like, boost and quote counts, its FEP-7888
context and its FEP-044f quote policy, and the static collections those point to.

From the resource's replies file (`lectern.reply_files`, written by `lectern review`):
- `replies`: an OrderedCollection of the approved replies' ids, served as a static file, so a server that fetches
  the conversation (Mastodon's ActivityPub::FetchRepliesService reads `replies`, inline `first`/`items` or by id)
  finds exactly what the curator approved, nothing else;
- `likes` and `shares`: Collections with `totalItems`, the counts Mastodon shows for a remote post
  (status_stats.untrusted_favourites_count and untrusted_reblogs_count come from these);
- `context` (FEP-7888): the conversation as an OrderedCollection of the Note and its approved replies;
- `interactionPolicy.canQuote` (FEP-044f, GoToSocial's terms as Mastodon 4.5 reads them, app/helpers/
  context_helper.rb): who may quote without asking; Lectern answers every QuoteRequest itself
  (lectern.interaction_desk), so the policy it states is the one it applies.
"""

from __future__ import annotations

from typing import Any, Literal

from lectern.reply_files import ReplyFile
from lectern.site_paths import SitePaths
from lectern.vocabulary import ACTIVITYSTREAMS, PUBLIC

QuotePolicy = Literal["everyone", "followers", "nobody"]
QUOTE_POLICIES: tuple[QuotePolicy, ...] = ("everyone", "followers", "nobody")

INTERACTION_TERMS: dict[str, Any] = {
    "gts": "https://gotosocial.org/ns#",
    "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
    "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
    "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
    "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
}


def conversation_ids(paths: SitePaths, key: str) -> dict[str, str]:
    """The ids (and, under the output folder, the files) of a resource's replies, likes, shares and context."""
    return {name: paths.url(f"ap/{name}/{key}.json") for name in ("replies", "likes", "shares", "contexts")}


def quote_policy(policy: QuotePolicy, collection_followers: str) -> dict[str, Any]:
    """FEP-044f: `automaticApproval` names who may quote; an empty policy lets nobody (Mastodon then does not
    offer to quote the post)."""
    if policy == "nobody":
        return {"canQuote": {"automaticApproval": []}}
    return {"canQuote": {"automaticApproval": PUBLIC if policy == "everyone" else collection_followers}}


def note_fields(
    paths: SitePaths, key: str, replies: ReplyFile, policy: QuotePolicy, collection_followers: str
) -> dict[str, Any]:
    """The fields a resource's Note carries about its conversation."""
    ids = conversation_ids(paths, key)
    return {
        "replies": {"id": ids["replies"], "type": "OrderedCollection", "totalItems": len(replies.replies)},
        "likes": {"id": ids["likes"], "type": "Collection", "totalItems": replies.likes},
        "shares": {"id": ids["shares"], "type": "Collection", "totalItems": replies.boosts},
        "context": ids["contexts"],
        "interactionPolicy": quote_policy(policy, collection_followers),
    }


def conversation_documents(
    paths: SitePaths, key: str, note_id: str, site_actor: str, replies: ReplyFile
) -> dict[str, dict[str, Any]]:
    """The static documents behind the Note's conversation fields, by id."""
    ids = conversation_ids(paths, key)
    ordered = [reply.id for reply in sorted(replies.replies, key=lambda r: (r.published, r.id))]
    return {
        ids["replies"]: {
            "@context": ACTIVITYSTREAMS,
            "id": ids["replies"],
            "type": "OrderedCollection",
            "totalItems": len(ordered),
            "orderedItems": ordered,
        },
        ids["likes"]: {
            "@context": ACTIVITYSTREAMS,
            "id": ids["likes"],
            "type": "Collection",
            "totalItems": replies.likes,
        },
        ids["shares"]: {
            "@context": ACTIVITYSTREAMS,
            "id": ids["shares"],
            "type": "Collection",
            "totalItems": replies.boosts,
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
