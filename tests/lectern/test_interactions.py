"""Reading what a verified activity means for our resources (lectern.interactions), with activities shaped as the
servers send them: Mastodon's reply and Like, Lemmy's comment, Mastodon's Flag (a list of objects), FEP-044f's
QuoteRequest."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lectern.interactions import Interaction, OurObjects, Refused, Retraction, Revision, Unrelated, read_activity

SITE = "https://oer.example"
NOTE = f"{SITE}/ap/objects/fractions/fraction-strips.json"
PAGE = f"{SITE}/ap/pages/fractions/fraction-strips.json"
COLLECTION = f"{SITE}/ap/actors/fractions"
ANA = "https://school.example/users/ana"

FIELDS = ["type", "id", "object", "inReplyTo", "attributedTo", "content", "contentMap", "tag", "href", "url",
          "instrument", "actor", "published", "to", "cc"]  # fmt: skip
OURS = OurObjects(
    resource_of=lambda object_id: "fractions/fraction-strips" if object_id in (NOTE, PAGE) else None,
    actor_name_of=lambda actor_id: "fractions" if actor_id == COLLECTION else None,
)


def create(note: dict[str, Any]) -> dict[str, Any]:
    return {"id": "https://school.example/activities/1", "type": "Create", "actor": ANA, "object": note}


def reply(**fields: Any) -> dict[str, Any]:
    return {
        "id": "https://school.example/notes/1",
        "type": "Note",
        "attributedTo": ANA,
        "inReplyTo": NOTE,
        "content": '<p>Worked with my year 7s <img src=x onerror="alert(1)"></p>',
        "url": "https://school.example/@ana/1",
        "published": "2026-11-30T09:00:00Z",
        **fields,
    }


def test_a_reply_to_our_note_is_a_reply_with_clean_text() -> None:
    reading = read_activity(create(reply()), ANA, OURS)
    assert isinstance(reading, Interaction)
    assert (reading.kind, reading.resource, reading.post_id) == ("reply", "fractions/fraction-strips", reply()["id"])
    assert reading.html == "<p>Worked with my year 7s </p>" and reading.text == "Worked with my year 7s"
    assert (reading.url, reading.published) == ("https://school.example/@ana/1", "2026-11-30T09:00:00Z")


def test_a_lemmy_comment_on_our_page_counts_as_a_reply_to_the_same_resource() -> None:
    reading = read_activity(create(reply(inReplyTo=PAGE)), ANA, OURS)
    assert isinstance(reading, Interaction) and reading.resource == "fractions/fraction-strips"


def test_a_reply_to_someone_elses_post_does_not_concern_us() -> None:
    reading = read_activity(create(reply(inReplyTo="https://elsewhere.example/notes/9")), ANA, OURS)
    assert isinstance(reading, Unrelated)


def test_a_post_attributed_to_another_actor_is_refused() -> None:
    reading = read_activity(create(reply(attributedTo="https://school.example/users/bob")), ANA, OURS)
    assert isinstance(reading, Refused)


def test_a_mention_with_a_link_is_a_suggestion_without_the_mention_and_hashtag_links() -> None:
    content = (
        '<p><span class="h-card"><a href="https://oer.example/fractions/" class="u-url mention">@<span>fractions'
        '</span></a></span> have a look at <a href="https://material.example/fractions-game">this game</a> '
        '<a href="https://school.example/tags/maths" class="mention hashtag" rel="tag">#<span>maths</span></a></p>'
    )
    note = reply(inReplyTo=None, content=content, tag=[{"type": "Mention", "href": COLLECTION}])
    reading = read_activity(create(note), ANA, OURS)
    assert isinstance(reading, Interaction)
    assert (reading.kind, reading.collection_actor) == ("mention", "fractions")
    assert reading.links == ("https://material.example/fractions-game",)


def test_likes_boosts_and_quote_requests_of_our_notes() -> None:
    like = {"id": "https://school.example/likes/1", "type": "Like", "actor": ANA, "object": NOTE}
    boost = {"id": "https://school.example/boosts/1", "type": "Announce", "actor": ANA, "object": NOTE}
    quote = {
        "id": "https://school.example/quote-requests/1",
        "type": "QuoteRequest",
        "actor": ANA,
        "object": NOTE,
        "instrument": {"id": "https://school.example/notes/2", "type": "Note", "content": "<p>See this</p>"},
    }
    kinds = [read_activity(activity, ANA, OURS) for activity in (like, boost, quote)]
    assert [(r.kind, r.resource) for r in kinds if isinstance(r, Interaction)] == [
        ("like", "fractions/fraction-strips"),
        ("boost", "fractions/fraction-strips"),
        ("quote", "fractions/fraction-strips"),
    ]
    assert isinstance(read_activity({**like, "object": "https://elsewhere.example/n"}, ANA, OURS), Unrelated)


def test_a_report_names_our_resource_or_actor_among_its_objects() -> None:
    flag = {"id": "https://school.example/flags/1", "type": "Flag", "actor": ANA, "content": "Spam <b>here</b>"}
    reading = read_activity({**flag, "object": [ANA, NOTE]}, ANA, OURS)
    assert isinstance(reading, Interaction)
    assert (reading.kind, reading.resource, reading.text) == ("flag", "fractions/fraction-strips", "Spam here")
    about_actor = read_activity({**flag, "object": [COLLECTION]}, ANA, OURS)
    assert isinstance(about_actor, Interaction) and about_actor.collection_actor == "fractions"


def test_undo_delete_and_update_name_what_they_take_back_or_change() -> None:
    undo = {"id": "u", "type": "Undo", "actor": ANA, "object": {"id": "L", "type": "Like", "actor": ANA}}
    assert read_activity(undo, ANA, OURS) == Retraction(ANA, "L")
    someone_elses = {**undo, "object": {"id": "L", "type": "Like", "actor": "https://school.example/users/bob"}}
    assert isinstance(read_activity(someone_elses, ANA, OURS), Refused)
    delete = {"id": "d", "type": "Delete", "actor": ANA, "object": {"id": reply()["id"], "type": "Tombstone"}}
    assert read_activity(delete, ANA, OURS) == Retraction(ANA, reply()["id"])
    update = {"id": "up", "type": "Update", "actor": ANA, "object": reply(content="<p>Edited</p>")}
    assert read_activity(update, ANA, OURS) == Revision(ANA, reply()["id"], "<p>Edited</p>", "Edited", ())
    assert isinstance(read_activity({"id": "d2", "type": "Delete", "actor": ANA, "object": ANA}, ANA, OURS), Unrelated)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.sampled_from([NOTE, PAGE, COLLECTION, ANA]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["Create", "Update", "Like", "Announce", "QuoteRequest", "Flag", "Undo", "Delete", "Move", []]),
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=8),
)
def test_whatever_an_activity_holds_reading_it_never_fails(kind: Any, fields: dict[str, Any]) -> None:
    reading = read_activity({"id": "https://school.example/a/1", "actor": ANA, **fields, "type": kind}, ANA, OURS)
    assert isinstance(reading, Interaction | Retraction | Revision | Unrelated | Refused)
