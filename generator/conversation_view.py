"""The conversation under a resource page, for the theme's `_conversation.html`: approved replies with their
authors, and the reaction counts, from the resource's replies file (`lectern.reply_files`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from lectern.reply_files import ReplyFile


@dataclass(frozen=True)
class ShownReply:
    name: str
    handle: str
    server: str
    avatar: str
    author_url: str
    url: str
    published: str
    date: str  # "30 November 2026", in the site's time zone; "" when the reply's date cannot be read
    html: str  # cleaned twice: when it arrived and when the file was read


@dataclass(frozen=True)
class Conversation:
    address: str  # what a reader pastes into their app's search: the page (it links its Note for Mastodon)
    replies: tuple[ShownReply, ...]
    likes: int
    boosts: int
    quotes: int


def conversation_view(address: str, replies: ReplyFile, zone: ZoneInfo) -> Conversation:
    shown = tuple(
        ShownReply(
            name=reply.author_name or reply.author_handle or _server(reply.author_actor),
            handle=reply.author_handle,
            server=_server(reply.author_actor),
            avatar=reply.author_avatar,
            author_url=reply.author_url or reply.author_actor,
            url=reply.url or reply.id,
            published=reply.published,
            date=_date(reply.published, zone),
            html=reply.html,
        )
        for reply in sorted(replies.replies, key=lambda r: (r.published, r.id))
    )
    return Conversation(address, shown, replies.likes, replies.boosts, replies.quotes)


def _server(actor: str) -> str:
    try:
        return urlsplit(actor).hostname or ""
    except ValueError:
        return ""


def _date(published: str, zone: ZoneInfo) -> str:
    try:
        moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return ""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%B %Y}"
