"""A Note's conversation fields and the documents behind them, from the resource's replies file."""

from __future__ import annotations

from lectern.generator.note_interactions import conversation_documents, note_fields, told_form
from lectern.reply_files import ApprovedReply, ReplyFile
from lectern.site_paths import SitePaths
from lectern.vocabulary import OBJECT_CONTEXT, PUBLIC

PATHS = SitePaths("https://oer.example")
KEY = "fractions/fraction-strips"
NOTE = PATHS.object(KEY)
FOLLOWERS = PATHS.followers("fractions")


def reply(n: int, published: str) -> ApprovedReply:
    actor = "https://school.example/users/ana"
    return ApprovedReply(f"https://school.example/notes/{n}", "", "<p>hi</p>", published, actor, "", "", "", "")


REPLIES = ReplyFile((reply(2, "2026-11-30T10:00:00Z"), reply(1, "2026-11-30T09:00:00Z")), likes=3, boosts=1)


def test_the_note_counts_what_was_approved_and_counted_and_allows_quotes_by_default() -> None:
    fields = note_fields(PATHS, KEY, REPLIES, "everyone", FOLLOWERS)
    assert fields["replies"] == {
        "id": "https://oer.example/ap/replies/fractions/fraction-strips.json",
        "type": "OrderedCollection",
        "totalItems": 2,
        "orderedItems": ["https://school.example/notes/1", "https://school.example/notes/2"],
    }
    assert (fields["likes"]["totalItems"], fields["shares"]["totalItems"]) == (3, 1)
    assert fields["context"] == "https://oer.example/ap/contexts/fractions/fraction-strips.json"
    assert fields["interactionPolicy"] == {"canQuote": {"automaticApproval": PUBLIC}}
    followers_only = note_fields(PATHS, KEY, REPLIES, "followers", FOLLOWERS)["interactionPolicy"]["canQuote"]
    assert followers_only == {"automaticApproval": FOLLOWERS}


def test_a_resource_nobody_replied_to_has_inline_counts_and_no_documents() -> None:
    fields = note_fields(PATHS, KEY, ReplyFile(likes=2), "nobody", FOLLOWERS)
    assert fields["replies"] == {"type": "OrderedCollection", "totalItems": 0, "orderedItems": []}
    assert "context" not in fields and fields["likes"] == {"type": "Collection", "totalItems": 2}
    assert fields["interactionPolicy"]["canQuote"] == {"automaticApproval": []}
    assert conversation_documents(PATHS, KEY, NOTE, PATHS.actor("site"), ReplyFile(likes=2)) == {}


def test_the_conversation_documents_list_the_approved_replies_oldest_first() -> None:
    documents = conversation_documents(PATHS, KEY, NOTE, PATHS.actor("site"), REPLIES)
    fields = note_fields(PATHS, KEY, REPLIES, "everyone", FOLLOWERS)
    replies = documents[fields["replies"]["id"]]
    assert replies["orderedItems"] == ["https://school.example/notes/1", "https://school.example/notes/2"]
    context = documents[fields["context"]]
    assert context["orderedItems"][0] == NOTE and context["totalItems"] == 3


def test_followers_are_told_of_the_note_without_its_conversation() -> None:
    bare = {"@context": [OBJECT_CONTEXT[0], {"schema": "http://schema.org/"}], "id": NOTE, "content": "<p>x</p>"}
    with_conversation = {
        "@context": OBJECT_CONTEXT,
        "id": NOTE,
        "content": "<p>x</p>",
        **note_fields(PATHS, KEY, REPLIES, "everyone", FOLLOWERS),
    }
    told = told_form(with_conversation)
    assert set(told) == {"@context", "id", "content"}
    assert "interactionPolicy" not in told["@context"][1] and "gts" not in told["@context"][1]
    assert told_form(bare) == bare
