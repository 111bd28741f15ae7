"""What a stranger wrote, made safe to show: remote HTML cut down to links, paragraphs and line breaks.

A reply from the Fediverse arrives as HTML written by a server we do not control. Before it is stored for review,
written into the content repository or shown on a page that children may read, it goes through `safe_html`, which
keeps what Mastodon keeps when it renders a remote post (`Sanitize::Config::MASTODON_STRICT` in
mastodon/app/lib/sanitize_config.rb: the elements p, br, a and span, links only over http(s), and
rel="nofollow noopener" on every link), minus span (it only carries Mastodon's own CSS classes) and relative links
(relative to a server that is not ours, they would point into our site). Everything else goes: images, scripts and
styles with their content, event handlers, iframes, forms. `plain_text` is the same text for a terminal and for
search, with paragraphs and line breaks kept as newlines.

The cleaner is nh3 (Rust's ammonia), an HTML5 parser, not regular expressions: malformed input cannot smuggle a tag
through.
"""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = frozenset({"p", "br", "a"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
LINK_SCHEMES = frozenset({"http", "https"})
LINK_REL = "nofollow noopener ugc"
MAX_TEXT = 20_000  # characters kept of one reply's HTML after cleaning: longer posts are cut, not refused

_BREAKS = re.compile(r"<br\s*/?>|</p>\s*", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def safe_html(untrusted: str) -> str:
    """`untrusted` with only paragraphs, line breaks and http(s) links left, each link marked nofollow.

    >>> safe_html('<p>Try <a href="https://e.example/x" onclick="x()">this</a><script>alert(1)</script></p>')
    '<p>Try <a href="https://e.example/x" rel="nofollow noopener ugc">this</a></p>'
    """
    cleaned = _clean(untrusted)
    if len(cleaned) > MAX_TEXT:  # cut before the last tag that might be open, then clean again to close the rest
        cleaned = _clean(cleaned[:MAX_TEXT].rsplit("<", 1)[0] + "…")
    return cleaned


def _clean(untrusted: str) -> str:
    return nh3.clean(
        untrusted,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(LINK_SCHEMES),
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def plain_text(untrusted: str) -> str:
    """The words of `untrusted` HTML, paragraphs and line breaks as newlines, no markup, entities decoded.

    >>> plain_text("<p>One &amp; two</p><p>three<br>four <img src=x onerror=y></p>")
    'One & two\\n\\nthree\\nfour'
    """
    marked = _BREAKS.sub(lambda m: "\n\n" if m.group(0).lower().startswith("</p") else "\n", safe_html(untrusted))
    text = html.unescape(nh3.clean(marked, tags=set()))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
