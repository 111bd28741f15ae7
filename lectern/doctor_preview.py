"""A plain-text preview of each resource's Note as a Mastodon follower and a Lemmy follower will see it.

An approximation of what each server does with the Note, for an educator to read before publishing:

- Mastodon (app/lib/activitypub/activity/create.rb) shows `content` as the post, its author's display name and
  handle above it, hashtags from `tag`, `Document` attachments as media (at most 4), and a link card for the first
  link of the content that is not a hashtag (app/services/fetch_link_card_service.rb).
- Lemmy (crates/apub/objects/src/objects/post.rs) shows a post titled `name` (else the content's first line, cut
  at 200 characters) in the community named by `audience`, linking `attachment[0]`, with the content as its body.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from urllib.parse import urlsplit

from lectern.doctor_model import JSON, Document, as_list, plain_text
from lectern.federation_shim import id_of

WIDTH = 100
BODY_LINES = 6


def _handle(actor: JSON | None) -> str:
    if not actor:
        return "(unknown actor)"
    host = urlsplit(str(actor.get("id", ""))).netloc
    name = actor.get("name") or actor.get("preferredUsername") or "?"
    return f"{name} @{actor.get('preferredUsername', '?')}@{host}"


def _short(text: str, width: int = WIDTH) -> str:
    return textwrap.shorten(text, width=width, placeholder="…") if text else ""


def first_card_link(content: str) -> str | None:
    """The first link of the content that is not a hashtag or mention: the one Mastodon makes a link card of."""
    for attrs, _text in re.findall(r"<a\s([^>]*)>(.*?)</a>", content, flags=re.S | re.I):
        if re.search(r'rel="[^"]*\btag\b|class="[^"]*\b(mention|hashtag)\b', attrs):
            continue
        href = re.search(r'href="([^"]+)"', attrs)
        if href:
            return href.group(1).replace("&amp;", "&")
    return None


def _attachment_line(item: object) -> str:
    if not isinstance(item, dict):
        return repr(item)
    if item.get("type") == "Link":
        return f"link {item.get('href')}"
    return f"{item.get('type')} {item.get('url')} ({item.get('mediaType', 'no type')}, “{item.get('name', '')}”)"


def mastodon_view(note: JSON, actors: dict[str, JSON]) -> list[str]:
    content = str(note.get("content") or "")
    lines = [f"Mastodon: {_handle(actors.get(id_of(note.get('attributedTo')) or ''))} · {note.get('published', '?')}"]
    body = [_short(line) for line in plain_text(content).splitlines() if line.strip()]
    lines.extend(f"  | {line}" for line in body[:BODY_LINES])
    if len(body) > BODY_LINES:
        lines.append(f"  | … ({len(body) - BODY_LINES} more lines)")
    media = [item for item in as_list(note.get("attachment")) if isinstance(item, dict) and item.get("url")]
    for item in media[:4]:
        lines.append(f"  media: {_attachment_line(item)}")
    card = first_card_link(content)
    lines.append(f"  link card: {card or 'none'}")
    tags = [str(t.get("name")) for t in as_list(note.get("tag")) if isinstance(t, dict) and t.get("type") == "Hashtag"]
    lines.append(f"  hashtags: {' '.join(tags) or 'none'}")
    return lines


def lemmy_view(note: JSON, actors: dict[str, JSON]) -> list[str]:
    community = actors.get(id_of(note.get("audience")) or "")
    where = (
        f"!{community.get('preferredUsername')}@{urlsplit(str(community.get('id', ''))).netloc}"
        if community
        else "no community (no audience)"
    )
    title = note.get("name") or (plain_text(str(note.get("content") or "")).splitlines() or [""])[0]
    attachments = as_list(note.get("attachment"))
    first = attachments[0] if attachments else None
    post_url = (first.get("href") or first.get("url")) if isinstance(first, dict) else None
    lines = [
        f"Lemmy: {where}: “{_short(str(title), 200)}”",
        f"  post URL: {post_url or 'none'}",
        f"  by {_handle(actors.get(id_of(note.get('attributedTo')) or ''))}",
    ]
    lines.extend(f"  attachment: {_attachment_line(item)}" for item in attachments)
    return lines


def preview(note: Document, actors: dict[str, JSON]) -> str:
    """The preview of one Note: its path, then what Mastodon and Lemmy followers see."""
    return "\n".join([note.path, *mastodon_view(note.json, actors), *lemmy_view(note.json, actors)])


def previews(documents: Iterable[Document]) -> list[str]:
    """A preview of every resource Note among `documents`, in order."""
    documents = list(documents)
    actors = {str(d.json.get("id")): d.json for d in documents if "preferredUsername" in d.json}
    return [preview(doc, actors) for doc in documents if doc.json.get("type") == "Note"]
