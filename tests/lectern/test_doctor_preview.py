"""The preview `lectern doctor` prints of each post: what a Mastodon follower and a Lemmy follower will see."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from lectern.settings import Settings

NOTE = "ap/objects/python-basics/think-python.json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def previews(project: Path, output: Path) -> dict[str, str]:
    """Each preview block doctor prints, by the path that starts it."""
    result = subprocess.run(
        [sys.executable, "-m", "lectern.cli", "doctor", "--output", str(output)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    blocks = [block for block in result.stdout.split("\n\n") if block.startswith("ap/")]
    return {block.split("\n", 1)[0]: block for block in blocks}


def test_the_preview_of_a_resource_shows_its_title_link_and_hashtags(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    block = previews(output.parent, output)[NOTE]
    mastodon, lemmy = block.split("\nLemmy: ")
    assert mastodon.splitlines()[1].startswith("Mastodon: ") and "@127.0.0.1:8000 · " in mastodon
    assert "\n  | Think Python, 2nd edition\n" in mastodon
    assert "\n  link card: https://greenteapress.com/wp/think-python-2e/\n" in mastodon
    assert mastodon.endswith("\n  hashtags: #python #beginners #debugging #textbook")
    assert lemmy.split("\n")[0].endswith(": “Think Python, 2nd edition”")


def test_the_preview_of_a_note_shaped_for_every_server(built_site: tuple[Settings, Path], tmp_path: Path) -> None:
    settings, built = built_site
    output = tmp_path / "output"
    shutil.copytree(built, output)
    site = settings.site_url
    library = json.loads((output / "ap/actors/library.json").read_text())["name"]
    pdf = f"{site}/python-basics/files/loops-worksheet.pdf"
    note = {
        "id": f"{site}/{NOTE}",
        "type": "Note",
        "name": "Loops worksheet",
        "attributedTo": f"{site}/ap/actors/library.json",
        "audience": f"{site}/ap/actors/python-basics.json",
        "content": '<p><strong>Loops worksheet</strong></p><p>Trace, predict, write.</p><p><a href="https://example.org/'
        'loops">example.org/loops</a></p><p><a href="http://127.0.0.1:8000/tag/python/" class="mention hashtag" '
        'rel="tag">#<span>python</span></a></p>',
        "published": "2025-02-03T00:00:00Z",
        "to": [PUBLIC],
        "tag": [{"type": "Hashtag", "href": f"{site}/tag/python/", "name": "#python"}],
        "attachment": [
            {"type": "Link", "href": "https://example.org/loops", "mediaType": "text/html"},
            {"type": "Document", "mediaType": "application/pdf", "url": pdf, "name": "Loops worksheet (PDF)"},
        ],
    }
    (output / NOTE).write_text(json.dumps(note))
    assert previews(built.parent, output)[NOTE] == "\n".join(
        [
            NOTE,
            f"Mastodon: {library} @library@127.0.0.1:8000 · 2025-02-03T00:00:00Z",
            "  | Loops worksheet",
            "  | Trace, predict, write.",
            "  | example.org/loops",
            "  | #python",
            f"  media: Document {pdf} (application/pdf, “Loops worksheet (PDF)”)",
            "  link card: https://example.org/loops",
            "  hashtags: #python",
            "Lemmy: !python-basics@127.0.0.1:8000: “Loops worksheet”",
            "  post URL: https://example.org/loops",
            f"  by {library} @library@127.0.0.1:8000",
            "  attachment: link https://example.org/loops",
            f"  attachment: Document {pdf} (application/pdf, “Loops worksheet (PDF)”)",
        ]
    )
