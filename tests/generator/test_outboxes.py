"""Outboxes written from serialised activities are the documents `outbox_documents` makes, byte for byte."""

from __future__ import annotations

from lectern.generator.json_files import json_text
from lectern.generator.objects import JSON
from lectern.generator.outboxes import outbox_documents, outbox_item_text, outbox_texts
from lectern.site_paths import SitePaths

PATHS = SitePaths("https://oer.example.edu")


def activity(number: int) -> JSON:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": f"https://oer.example.edu/ap/creates/c/r{number}.json",
        "type": "Create",
        "object": {"type": "Note", "content": f'<p>élève «{number}» \u2028 "quoted" \\ </p>', "tag": []},
    }


def test_outbox_texts_are_the_json_of_outbox_documents() -> None:
    for count, page_size in ((0, 3), (1, 3), (3, 3), (7, 3), (7, 20)):
        activities = [activity(n) for n in range(count)]
        documents = outbox_documents(PATHS, "c", activities, page_size)
        texts = list(outbox_texts(PATHS, "c", [outbox_item_text(a) for a in activities], page_size))
        assert texts == [(d["id"], json_text(d)) for d in documents]
        assert len(texts) == 1 + max(1, -(-count // page_size))
