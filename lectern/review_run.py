"""A review run: the curator's decisions and the authors' later edits, written into the content repository.

`approve` and `reject` decide one item of the queue; approving a reply adds it to the resource's replies file
(`lectern.reply_files`). `bring_up_to_date`, run by every `lectern review`, applies what happened since: an approved
reply its author edited is rewritten, one its author deleted is removed, and the like, boost and quote counts are
written for every resource whose counts changed. Files are replaced in one step (`lectern.atomic_files`), removed
when nothing is left in them, and only touched when their bytes change, so a run with nothing new changes nothing
git would see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from lectern.atomic_files import create_file, replace_file
from lectern.page_metadata import PageMetadata, read_page_metadata
from lectern.reply_files import ApprovedReply, ReplyFile, read_reply_file, reply_file_bytes, reply_file_of
from lectern.review_queue import ReviewItem, ReviewQueue
from lectern.suggestion_file import free_path, slug_for, suggested_resource


@dataclass(frozen=True)
class Change:
    """One file the run wrote or removed, and why, for the curator (and `git add`)."""

    path: Path
    what: str


class ReviewError(Exception):
    """A decision that cannot be made; the message says what to do instead."""


@dataclass(frozen=True)
class ReviewEffects:
    """What a decision does beyond the queue and the replies files, given by the caller (the command has the network
    and the delivery queue; tests pass their own): `suggest` writes resource files for a suggestion, `follow_decided`
    answers a follow request (True: accepted) with an Accept or a Reject."""

    suggest: Callable[[ReviewItem], list[Change]] | None = None
    follow_decided: Callable[[ReviewItem, bool], None] | None = None


def approve(
    queue: ReviewQueue, item_id: str, resource_files: Mapping[str, Path], effects: ReviewEffects = ReviewEffects()
) -> tuple[ReviewItem, list[Change]]:
    """Approve one item: a reply is written beside its resource; a mention with links is a suggestion
    (`effects.suggest` writes a resource file per link); a follow request is accepted; anything else is marked
    approved (a report: dealt with)."""
    item = _decidable(queue, item_id)
    changes: list[Change] = []
    if item.kind == "mention" and item.interaction.links and effects.suggest is not None:
        changes += effects.suggest(item)
    if item.kind == "follow" and effects.follow_decided is not None:
        effects.follow_decided(item, True)
    if item.kind == "reply":
        resource_file = _resource_file(item, resource_files)
        path = reply_file_of(resource_file)
        current = read_reply_file(path)
        reply = approved_reply(item)
        kept = tuple(r for r in current.replies if r.id != reply.id)
        changes += _write(path, replace(current, replies=(*kept, reply)), f"added the reply by {_who(item)}")
    decided = queue.decide(item.id, "approved")
    assert decided is not None
    return decided, changes


def reject(queue: ReviewQueue, item_id: str, effects: ReviewEffects = ReviewEffects()) -> ReviewItem:
    item = _decidable(queue, item_id, allow_counted=True)
    if item.kind == "follow" and item.status == "pending" and effects.follow_decided is not None:
        effects.follow_decided(item, False)
    decided = queue.decide(item.id, "rejected")
    assert decided is not None
    return decided


def bring_up_to_date(queue: ReviewQueue, resource_files: Mapping[str, Path]) -> list[Change]:
    """Apply approved replies' edits and deletions, and write reaction counts that changed."""
    changes: list[Change] = []
    for item in queue.items(("approved",)):
        if item.kind == "reply" and item.unwritten and not item.retracted:
            resource_file = resource_files.get(item.interaction.resource or "")
            if resource_file is not None:
                path = reply_file_of(resource_file)
                current = read_reply_file(path)
                reply = approved_reply(item)
                kept = tuple(r for r in current.replies if r.id != reply.id)
                what = f"added the reply by {_who(item)}, approved by the settings"
                changes += _write(path, replace(current, replies=(*kept, reply)), what)
            queue.mark_written(item.id)
        if item.kind != "reply" or not (item.retracted or item.revised_html is not None):
            continue
        resource_file = resource_files.get(item.interaction.resource or "")
        if resource_file is not None:
            path = reply_file_of(resource_file)
            current = read_reply_file(path)
            post_id = item.interaction.post_id
            if item.retracted:
                kept = tuple(r for r in current.replies if r.id != post_id)
                changes += _write(path, replace(current, replies=kept), f"removed the reply {_who(item)} deleted")
            else:
                edited = tuple(
                    replace(r, html=item.revised_html or "") if r.id == post_id else r for r in current.replies
                )
                changes += _write(path, replace(current, replies=edited), f"updated the reply {_who(item)} edited")
        queue.settle(item.id, item.revised_html, item.retracted)

    counted = Counter((i.interaction.resource, i.kind) for i in queue.items(("counted",)))
    for key, resource_file in sorted(resource_files.items()):
        path = reply_file_of(resource_file)
        current = read_reply_file(path)
        likes, boosts, quotes = (counted[(key, kind)] for kind in ("like", "boost", "quote"))
        if (likes, boosts, quotes) != (current.likes, current.boosts, current.quotes):
            counts = replace(current, likes=likes, boosts=boosts, quotes=quotes)
            changes += _write(path, counts, f"counted {likes} likes, {boosts} boosts, {quotes} quotes")
    return changes


def approved_reply(item: ReviewItem) -> ApprovedReply:
    interaction, author = item.interaction, item.author
    post_id = interaction.post_id or interaction.activity_id
    return ApprovedReply(
        id=post_id,
        url=interaction.url or post_id,
        html=interaction.html,
        published=interaction.published or item.received,
        author_actor=interaction.actor,
        author_name=author.name,
        author_handle=author.handle,
        author_url=author.url or interaction.actor,
        author_avatar=author.avatar,
    )


def _decidable(queue: ReviewQueue, item_id: str, *, allow_counted: bool = False) -> ReviewItem:
    item = queue.get(item_id.strip())
    if item is None:
        raise ReviewError(f"there is no item {item_id!r} to review: 'lectern review' lists them with their ids")
    if item.status == "counted" and not allow_counted:
        raise ReviewError(f"{item.id} is a {item.kind}, counted without review: only 'reject' applies to it")
    return item


def _resource_file(item: ReviewItem, resource_files: Mapping[str, Path]) -> Path:
    key = item.interaction.resource or ""
    if key not in resource_files:
        raise ReviewError(
            f"{item.id} replies to {key!r}, which is no longer in the content: reject it ('lectern review reject "
            f"{item.id}') or restore the resource first"
        )
    return resource_files[key]


def _who(item: ReviewItem) -> str:
    return item.author.handle or item.author.name or item.interaction.actor


def _write(path: Path, replies: ReplyFile, what: str) -> list[Change]:
    if replies.is_empty:
        if not path.exists():
            return []
        path.unlink()
        return [Change(path, what + "; nothing left, file removed")]
    data = reply_file_bytes(replies)
    try:
        if path.read_bytes() == data:
            return []
    except FileNotFoundError:
        pass
    replace_file(path, data)
    return [Change(path, what)]


MAX_SUGGESTED_LINKS = 3


def suggester(
    collections: Mapping[str, tuple[Path, str]], fetch_page: Callable[[str], str | None], today: date
) -> Callable[[ReviewItem], list[Change]]:
    """What approving a suggestion does: for each link in it (at most three), a new resource file in the mentioned
    collection's folder (`collections`: actor name -> (folder, language)), filled from the page `fetch_page` returns
    (None: it could not be read; the file is written with the link alone)."""

    def suggest(item: ReviewItem) -> list[Change]:
        name = item.interaction.collection_actor or ""
        if name not in collections:
            raise ReviewError(
                f"{item.id} suggests material to @{name}, which is not a collection: reject it, or open the links "
                "yourself: " + " ".join(item.interaction.links)
            )
        folder, language = collections[name]
        changes = []
        for link in item.interaction.links[:MAX_SUGGESTED_LINKS]:
            page = fetch_page(link)
            metadata = read_page_metadata(page) if page else PageMetadata()
            text = suggested_resource(item, link, metadata, language, today).encode()
            path = free_path(folder, slug_for(metadata.title, link))
            while not create_file(path, text, mode=0o644):  # taken meanwhile: never overwrite a curator's file
                path = free_path(folder, path.stem)
            changes.append(Change(path, f"a new resource suggested by {_who(item)}: fill in the empty fields"))
        return changes

    return suggest
