"""Property: whatever JSON a remote server sends as a Note or an actor, reading it gives a record or a reason, never
an exception, and the texts it keeps are plain text (issue 12). Pure functions: hypothesis calls them directly."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lectern.discovery_index.actor_record import actor_to_record
from lectern.discovery_index.note_record import NotIndexed, note_to_record
from lectern.discovery_index.records import CollectionRecord, ResourceRecord
from tests.fuzz_strategies import json_values

ALICE = "https://fedi.example/users/alice"
COLLECTION = CollectionRecord(ALICE, "fedi.example", "@alice@fedi.example", "Person", "A", "", "", ALICE, ALICE + "/in")
TAG_START = re.compile(r"<[a-zA-Z/!?]")
BOUNDED = settings(max_examples=400, deadline=timedelta(seconds=2), database=None)
texts = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["<img src=x onerror=alert(1)>", "&lt;script&gt;x", "<p>a</p><p>b", "<a href='javascript:x'>"]),
)
fields = st.sampled_from(
    ["name", "summary", "content", "contentMap", "tag", "url", "published", "updated", "license", "inLanguage",
     "educationalLevel", "learningResourceType", "about", "author", "keywords", "resourceUrl", "attachment", "icon",
     "preferredUsername", "indexable", "outbox", "inbox", "to", "cc", "attributedTo"]
)  # fmt: skip


@st.composite
def documents(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": f"{ALICE}/notes/1" if kind == "Note" else ALICE,
        "type": kind,
        "attributedTo": ALICE,
        "to": "as:Public",
        "inbox": ALICE + "/inbox",
    }
    for name in draw(st.lists(fields, max_size=8)):
        document[name] = draw(json_values | texts | st.lists(texts | json_values, max_size=3))
    return document


@BOUNDED
@given(note=documents("Note"))
def test_any_note_gives_a_record_or_a_reason(note: dict[str, Any]) -> None:
    record = note_to_record(note, COLLECTION)
    assert isinstance(record, ResourceRecord | NotIndexed)
    if isinstance(record, ResourceRecord):
        for text in (record.title, record.summary, *record.tags, *record.authors, *record.subjects):
            assert TAG_START.search(text) is None, text


@BOUNDED
@given(actor=documents("Person"))
def test_any_actor_gives_a_record_or_none(actor: dict[str, Any]) -> None:
    record = actor_to_record(actor, 0.0)
    if record is not None:
        for text in (record.name, record.summary, record.handle, record.curator, *record.tags):
            assert TAG_START.search(text) is None, text
