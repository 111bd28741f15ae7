"""The approved replies and reaction counts of one resource, as a small JSON file beside it in the content repository.

`content/fractions/fraction-strips.md` has its replies in `content/fractions/fraction-strips.replies.json`:

    {
      "reactions": {"boosts": 1, "likes": 3, "quotes": 0},
      "replies": [
        {"author": {"actor": "...", "avatar": "...", "handle": "@ana@school.example", "name": "Ana", "url": "..."},
         "html": "<p>This worked with my year 7s ...</p>",
         "id": "https://school.example/notes/1", "published": "2026-11-30T09:00:00Z",
         "url": "https://school.example/@ana/1"}
      ]
    }

`lectern review` writes it (approving a reply; applying an author's later edit or deletion; counting reactions), the
curator commits it like everything else, and the build reads it (`read_reply_file`), checking every field, because a
file in git can also be edited by hand: its HTML is cleaned again at build time. The file is written sorted and
indented, so the same replies give the same bytes and a pull request shows a new reply as a few added lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lectern.remote_html import safe_html

REPLY_FILE_SUFFIX = ".replies.json"
REACTIONS = ("boosts", "likes", "quotes")


@dataclass(frozen=True)
class ApprovedReply:
    id: str
    url: str
    html: str
    published: str
    author_actor: str
    author_name: str
    author_handle: str
    author_url: str
    author_avatar: str


@dataclass(frozen=True)
class ReplyFile:
    replies: tuple[ApprovedReply, ...] = ()
    likes: int = 0
    boosts: int = 0
    quotes: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.replies and not (self.likes or self.boosts or self.quotes)


class ReplyFileError(ValueError):
    """A replies file that cannot be read: `field` names what is wrong, the message what to write instead."""

    def __init__(self, path: Path, field: str, message: str) -> None:
        super().__init__(f"{path}: {field}: {message}")
        self.path = path
        self.field = field
        self.message = message


def reply_file_of(resource_file: Path) -> Path:
    """Where the replies of the resource written in `resource_file` (a `.md` file) are kept."""
    return resource_file.with_name(resource_file.name.removesuffix(".md") + REPLY_FILE_SUFFIX)


def resource_file_of(reply_file: Path) -> Path:
    return reply_file.with_name(reply_file.name.removesuffix(REPLY_FILE_SUFFIX) + ".md")


def reply_file_bytes(replies: ReplyFile) -> bytes:
    ordered = sorted(replies.replies, key=lambda r: (r.published, r.id))
    document = {
        "reactions": {"boosts": replies.boosts, "likes": replies.likes, "quotes": replies.quotes},
        "replies": [
            {
                "author": {
                    "actor": r.author_actor,
                    "avatar": r.author_avatar,
                    "handle": r.author_handle,
                    "name": r.author_name,
                    "url": r.author_url,
                },
                "html": r.html,
                "id": r.id,
                "published": r.published,
                "url": r.url,
            }
            for r in ordered
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def read_reply_file(path: Path) -> ReplyFile:
    """The replies in `path` (an absent file: none), checked; raises ReplyFileError naming the field at fault."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return ReplyFile()
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReplyFileError(path, "file", f"not JSON ({error}); restore it from git or delete it") from None
    if not isinstance(data, dict):
        raise ReplyFileError(path, "file", 'write an object: {"reactions": {...}, "replies": [...]}')
    reactions = data.get("reactions", {})
    if not isinstance(reactions, dict):
        raise ReplyFileError(path, "reactions", 'write {"boosts": 0, "likes": 0, "quotes": 0}')
    counts = {}
    for name in REACTIONS:
        value = reactions.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ReplyFileError(path, f"reactions.{name}", f"write a whole number of 0 or more, not {value!r}")
        counts[name] = value
    replies = data.get("replies", [])
    if not isinstance(replies, list):
        raise ReplyFileError(path, "replies", "write a list of replies: [...]")
    return ReplyFile(tuple(_reply(path, n, r) for n, r in enumerate(replies, 1)), **counts)


def _reply(path: Path, number: int, reply: Any) -> ApprovedReply:
    where = f"replies[{number}]"
    if not isinstance(reply, dict):
        raise ReplyFileError(path, where, "write an object with id, url, html, published and author")
    author = reply.get("author", {})
    if not isinstance(author, dict):
        raise ReplyFileError(path, f"{where}.author", "write an object with actor, name, handle, url and avatar")

    def text(value: Any, field: str, *, web: bool = False, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value):
            raise ReplyFileError(path, f"{where}.{field}", "write text" + (" (required)" if required else ""))
        if web and value and not value.startswith(("https://", "http://")):
            raise ReplyFileError(path, f"{where}.{field}", f"write an http(s) address, not {value!r}")
        return value

    return ApprovedReply(
        id=text(reply.get("id"), "id", web=True, required=True),
        url=text(reply.get("url"), "url", web=True),
        html=safe_html(text(reply.get("html"), "html")),
        published=text(reply.get("published"), "published"),
        author_actor=text(author.get("actor"), "author.actor", web=True, required=True),
        author_name=text(author.get("name"), "author.name"),
        author_handle=text(author.get("handle"), "author.handle"),
        author_url=text(author.get("url"), "author.url", web=True),
        author_avatar=text(author.get("avatar"), "author.avatar", web=True),
    )
