"""HTML from remote Notes -> plain text paragraphs, links and hashtags.

Remote HTML is never rendered: the index keeps only text (escaped again when the search page shows it) and the
http(s) links. It is read with one regular expression over tags and text (five times faster than `html.parser`,
which was half the cost of ingesting a Note; text extraction needs no tree): paragraph-like elements (`<p>`, `<div>`,
`<li>`, headings, ...) start a new paragraph, `<br>` a new line; comments and the contents of `<script>`, `<style>`
and `<template>` are dropped; entities are decoded. A hashtag is a link with `rel="tag"` or class `hashtag`, or whose
text starts with `#`; a mention (class `mention` without `hashtag`, or text starting with `@`) is neither a tag nor a
link to index.

The text never holds anything a browser could read as the start of a tag (``<`` then a letter, ``/``, ``!`` or ``?``):
entity-encoded markup (``&lt;img onerror=...&gt;``) is decoded and then stripped like markup, and so is a tag left
open at the end (``<svg/onload=...``), so a consumer of the JSON API that forgets to escape gets text, not HTML.
`plain_text` is the one-line form, for fields that ActivityStreams calls plain text (`name`) but that senders fill
with HTML anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from lectern.federation_shim import web_url_problem

MAX_HTML = 200_000  # characters read; the inbox takes at most 1 MB anyway

_TOKEN = re.compile(
    r"<!--.*?(?:-->|$)"  # a comment
    r"|<(script|style|template)\b.*?(?:</\1\s*>|$)"  # hidden content
    r"|<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"  # a tag
    r"|([^<]+|<)",  # text (a stray '<' is text)
    re.DOTALL | re.IGNORECASE,
)
_ATTRIBUTE = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
_DECODED_TAG = re.compile(r"<[/!?]?[a-zA-Z][^<>]*(?:>|$)")
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"})


@dataclass(frozen=True)
class HtmlText:
    paragraphs: tuple[str, ...]
    links: tuple[str, ...]
    hashtags: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def is_web_url(value: object) -> bool:
    """An absolute http(s) URL that can be split, fetched and encoded: the shim's one parser, `web_urls`."""
    return web_url_problem(value) is None


def plain_text(value: str) -> str:
    """``value`` as one line of plain text: markup removed (see the module docstring), whitespace collapsed."""
    if "<" not in value and "&" not in value:
        return " ".join(value.split())
    return " ".join(html_to_text(value).text.split())


def _attributes(raw: str) -> dict[str, str]:
    return {name.lower(): unescape(a or b or c) for name, a, b, c in _ATTRIBUTE.findall(raw)}


def _lines(chunks: list[str]) -> str:
    joined = "".join(chunks)
    if "<" in joined:  # decoded entities, or a tag left open: nothing tag-like stays in the text
        joined = _DECODED_TAG.sub("", joined)
    if "\n" not in joined:  # one line (most paragraphs)
        return " ".join(joined.split())
    lines = (" ".join(line.split()) for line in joined.split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(html: str) -> HtmlText:
    """Paragraphs of plain text, the links (not hashtags or mentions) and the hashtags (without '#') of `html`."""
    paragraphs: list[str] = []
    current: list[str] = []
    links: list[str] = []
    hashtags: list[str] = []
    anchor: tuple[str, bool, bool] | None = None  # (href, is_tag, is_mention) of the open <a>
    anchor_text: list[str] = []

    def end_paragraph() -> None:
        text = _lines(current)
        if text:
            paragraphs.append(text)
        current.clear()

    # findall (tuples, '' for a group that took no part) costs half of finditer's match objects
    for _, closing, tag, raw, text in _TOKEN.findall(html[:MAX_HTML]):
        if text:
            decoded = (unescape(text) if "&" in text else text).replace("\n", " ")
            current.append(decoded)
            if anchor is not None:
                anchor_text.append(decoded)
            continue
        if not tag:  # a comment, or hidden content
            continue
        name = tag.lower()
        if name in _BLOCKS:
            end_paragraph()
        elif name == "br":
            current.append("\n")
        elif name == "a" and not closing:
            values = _attributes(raw)
            classes, rel = values.get("class", "").split(), values.get("rel", "").split()
            anchor = (values.get("href", ""), "tag" in rel or "hashtag" in classes, "mention" in classes)
            anchor_text = []
        elif name == "a" and anchor is not None:
            href, is_tag, is_mention = anchor
            label = " ".join("".join(anchor_text).split())
            if is_tag or label.startswith("#"):
                if label.lstrip("#"):
                    hashtags.append(label.lstrip("#"))
            elif not is_mention and not label.startswith("@") and is_web_url(href):
                links.append(href)
            anchor = None
    end_paragraph()
    return HtmlText(tuple(paragraphs), tuple(dict.fromkeys(links)), tuple(dict.fromkeys(hashtags)))
