"""Remote HTML keeps paragraphs, line breaks and http(s) links, and nothing that runs, loads or styles."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from lectern.remote_html import MAX_TEXT, plain_text, safe_html

HOSTILE = (
    '<p>Nice <a href="https://ok.example/a" onclick="steal()" style="x">link</a></p>'
    "<script>alert(1)</script><img src=x onerror=alert(2)><iframe src=https://evil.example></iframe>"
    '<a href="javascript:alert(3)">js</a><a href="/relative">rel</a><style>p{}</style>'
    "<svg onload=alert(4)></svg><form action=https://evil.example><input name=p></form><!-- comment -->"
)


def test_a_reply_keeps_its_words_and_links_and_loses_everything_that_runs() -> None:
    cleaned = safe_html(HOSTILE)
    assert cleaned.startswith('<p>Nice <a href="https://ok.example/a" rel="nofollow noopener ugc">link</a></p>')
    for forbidden in (
        "script",
        "onerror",
        "onclick",
        "onload",
        "iframe",
        "javascript",
        "style",
        "<img",
        "<svg",
        "<form",
        "<input",
        "/relative",
        "comment",
        "alert",
    ):
        assert forbidden not in cleaned


def test_plain_text_keeps_paragraphs_and_line_breaks() -> None:
    assert plain_text("<p>One &amp; two</p><p>three<br>four <b>five</b></p>") == "One & two\n\nthree\nfour five"
    assert plain_text(HOSTILE) == "Nice link\n\njsrel"


def test_a_very_long_reply_is_cut_and_stays_well_formed() -> None:
    cleaned = safe_html("<p>" + '<a href="https://e.example/">word</a> ' * 10_000 + "</p>")
    assert len(cleaned) <= MAX_TEXT + 200
    assert cleaned.count("<a ") == cleaned.count("</a>")


TAGS = st.sampled_from(["p", "br", "a", "script", "img", "svg", "iframe", "style", "b", "span", "math", "xmp"])
ATTRIBUTES = st.sampled_from(['href="javascript:x"', 'href="https://e.example"', "onerror=x", 'src="x"', "onload=y"])


@st.composite
def markup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(TAGS)
        parts.append(f"<{tag} {draw(ATTRIBUTES)}>{draw(st.text(max_size=8))}")
        if draw(st.booleans()):
            parts.append(f"</{tag}>")
    return "".join(parts)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, dict(attrs)))


@settings(max_examples=300, deadline=None)
@given(markup())
def test_whatever_arrives_only_allowed_tags_and_attributes_come_out(untrusted: str) -> None:
    elements = _Elements()
    elements.feed(safe_html(untrusted))
    for tag, attributes in elements.seen:
        assert tag in ("p", "br", "a")
        assert set(attributes) <= {"href", "rel"}
        assert (attributes.get("href") or "https://").startswith(("https://", "http://"))
    text = plain_text(untrusted)  # plain text for a terminal: a "<" in it is a character, escaped wherever shown
    assert "\n\n\n" not in text and text == text.strip()
