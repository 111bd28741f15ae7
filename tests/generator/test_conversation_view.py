"""The conversation under a resource page: approved replies as the theme shows them, hostile parts inert."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader

from lectern.generator.conversation_view import conversation_view
from lectern.reply_files import read_reply_file

THEME = Path(__file__).resolve().parents[2] / "themes" / "lectern" / "templates"
NOTE = "https://oer.example/ap/objects/fractions/fraction-strips.json"


def test_a_hand_edited_hostile_reply_is_shown_as_text_and_clean_html(tmp_path: Path) -> None:
    replies = tmp_path / "fraction-strips.replies.json"
    hostile = {
        "id": "https://school.example/notes/1",
        "url": "https://school.example/@ana/1",
        "published": "2026-11-30T23:30:00Z",
        "html": '<p>Worked well <script>alert(1)</script><img src=x onerror="alert(2)"></p>',
        "author": {
            "actor": "https://school.example/users/ana",
            "name": "Ana <b onmouseover=x>",
            "handle": "@ana@school.example",
        },
    }
    replies.write_text(json.dumps({"replies": [hostile], "reactions": {"likes": 1, "boosts": 2}}), encoding="utf-8")
    view = conversation_view(NOTE, read_reply_file(replies), ZoneInfo("Europe/Madrid"))
    assert view.replies[0].date == "1 December 2026"  # the site's time zone
    assert view.replies[0].server == "school.example"

    template = Environment(loader=FileSystemLoader(THEME), autoescape=True).get_template("_conversation.html")
    page = template.render(conversation=view)
    assert "<p>Worked well </p>" in page
    assert "script" not in page and "onerror" not in page and "<b " not in page
    assert "Ana &lt;b onmouseover=x&gt;" in page
    assert (
        "<strong>1</strong> like" in page and "<strong>2</strong> boosts" in page and "<strong>1</strong> reply" in page
    )
