"""A Note's conversation fields and the static collections behind them, from the resource's replies file."""

from __future__ import annotations

from lectern.generator.note_interactions import conversation_documents, note_fields
from lectern.reply_files import ApprovedReply, ReplyFile
from lectern.site_paths import SitePaths
from lectern.vocabulary import PUBLIC

PATHS = SitePaths("https://oer.example")
KEY = "fractions/fraction-strips"
NOTE = PATHS.object(KEY)
FOLLOWERS = PATHS.followers("fractions")


def reply(n: int, published: str) -> ApprovedReply:
    return ApprovedReply(
        f"https://school.example/notes/{n}",
        "",
        "<p>hi</p>",
        published,
        "https://school.example/users/ana",
        "",
        "",
        "",
        "",
    )


REPLIES = ReplyFile((reply(2, "2026-11-30T10:00:00Z"), reply(1, "2026-11-30T09:00:00Z")), likes=3, boosts=1)


def test_the_note_counts_what_was_approved_and_counted_and_allows_quotes_by_default() -> None:
    fields = note_fields(PATHS, KEY, REPLIES, "everyone", FOLLOWERS)
    assert fields["replies"] == {
        "id": "https://oer.example/ap/replies/fractions/fraction-strips.json",
        "type": "OrderedCollection",
        "totalItems": 2,
    }
    assert (fields["likes"]["totalItems"], fields["shares"]["totalItems"]) == (3, 1)
    assert fields["context"] == "https://oer.example/ap/contexts/fractions/fraction-strips.json"
    assert fields["interactionPolicy"] == {"canQuote": {"automaticApproval": PUBLIC}}
    assert note_fields(PATHS, KEY, REPLIES, "followers", FOLLOWERS)["interactionPolicy"]["canQuote"] == {
        "automaticApproval": FOLLOWERS
    }
    assert note_fields(PATHS, KEY, ReplyFile(), "nobody", FOLLOWERS)["interactionPolicy"]["canQuote"] == {
        "automaticApproval": []
    }


def test_the_conversation_documents_list_the_approved_replies_oldest_first() -> None:
    documents = conversation_documents(PATHS, KEY, NOTE, PATHS.actor("site"), REPLIES)
    fields = note_fields(PATHS, KEY, REPLIES, "everyone", FOLLOWERS)
    replies = documents[fields["replies"]["id"]]
    assert replies["orderedItems"] == ["https://school.example/notes/1", "https://school.example/notes/2"]
    context = documents[fields["context"]]
    assert context["orderedItems"][0] == NOTE and context["totalItems"] == 3
    assert documents[fields["likes"]["id"]]["totalItems"] == 3
