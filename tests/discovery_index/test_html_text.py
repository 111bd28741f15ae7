"""Remote HTML becomes text, links and hashtags; nothing in it is ever rendered or followed."""

from __future__ import annotations

from lectern.discovery_index.html_text import html_to_text


def test_paragraphs_links_hashtags_and_mentions() -> None:
    html = (
        "<p>Hello &amp; <b>welcome</b><br>second line</p>"
        '<p>By <a href="https://m.example/@bob" class="u-url mention">@<span>bob</span></a>, see '
        '<a href="https://example.org/sheet.pdf">the sheet</a> '
        '<a href="https://m.example/tags/maths" class="mention hashtag" rel="tag">#<span>maths</span></a></p>'
    )
    text = html_to_text(html)
    assert text.paragraphs == ("Hello & welcome\nsecond line", "By @bob, see the sheet #maths")
    assert text.links == ("https://example.org/sheet.pdf",)
    assert text.hashtags == ("maths",)


def test_scripts_comments_and_unsafe_links_are_dropped() -> None:
    html = (
        "<p>a<script>alert('x')</script><style>p{}</style><!-- hidden -->b</p>"
        "<p><a href=\"javascript:alert(1)\">click</a> <a href='https://ok.example/'>ok</a> 1 < 2</p><p>unclosed <a"
    )
    text = html_to_text(html)
    assert text.paragraphs == ("ab", "click ok 1 < 2", "unclosed")  # a tag left open is not text either
    assert text.links == ("https://ok.example/",)
