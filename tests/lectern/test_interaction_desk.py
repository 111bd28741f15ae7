"""The inbox's desk for replies, reactions, quotes and reports: what is stored for review, what is counted, what
is refused, and how much one server may send in a minute."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from lectern.interaction_desk import InteractionDesk, quote_stamp, stamp_id
from lectern.interactions import OurObjects
from lectern.review_queue import Author, MemoryReviewQueue

SITE = "https://oer.example"
SITE_ACTOR = f"{SITE}/ap/actors/site"
NOTE = f"{SITE}/ap/objects/fractions/fraction-strips.json"
ANA = "https://school.example/users/ana"
OURS = OurObjects(lambda i: "fractions/fraction-strips" if i == NOTE else None, lambda i: None)
ANA_DOCUMENT = {
    "id": ANA,
    "type": "Person",
    "preferredUsername": "ana",
    "name": "Ana Souza",
    "url": "https://school.example/@ana",
    "icon": {"type": "Image", "url": "https://school.example/avatars/ana.png"},
}


class Desk:
    def __init__(self, per_minute: int = 60) -> None:
        self.queue = MemoryReviewQueue()
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

        async def fetch_actor(actor: str) -> dict[str, Any] | None:
            return ANA_DOCUMENT if actor == ANA else None

        async def send(to: Author, activity: dict[str, Any]) -> None:
            self.sent.append((to.actor, activity))

        self.desk = InteractionDesk(
            self.queue, SITE, SITE_ACTOR, fetch_actor, send, per_host_per_minute=per_minute, clock=lambda: self.now
        )

    def take(self, activity: dict[str, Any], actor: str = ANA) -> tuple[int, str]:
        result = asyncio.run(self.desk.take(activity, actor, OURS))
        if result.follow_up is not None:
            asyncio.run(result.follow_up())
        return result.status, result.reason


def reply(n: int, actor: str = ANA) -> dict[str, Any]:
    note = {
        "id": f"{actor}/notes/{n}",
        "type": "Note",
        "attributedTo": actor,
        "inReplyTo": NOTE,
        "content": "<p>hi</p>",
    }
    return {"id": f"{actor}/activities/{n}", "type": "Create", "actor": actor, "object": note}


def test_a_reply_waits_for_review_with_its_author_and_a_like_is_counted() -> None:
    desk = Desk()
    assert desk.take(reply(1)) == (202, "reply")
    assert desk.take(reply(1)) == (202, "duplicate")
    assert desk.take({"id": f"{ANA}/likes/1", "type": "Like", "actor": ANA, "object": NOTE}) == (202, "like")
    (waiting,) = desk.queue.items()
    assert (waiting.author.name, waiting.author.handle) == ("Ana Souza", "@ana@school.example")
    assert waiting.author.avatar == "https://school.example/avatars/ana.png"
    assert [i.kind for i in desk.queue.items(("counted",))] == ["like"]


def test_someone_elses_words_are_refused_and_unrelated_posts_ignored() -> None:
    desk = Desk()
    forged = reply(1)
    forged["object"]["attributedTo"] = "https://school.example/users/bob"
    assert desk.take(forged) == (403, "not_yours")
    elsewhere = reply(2)
    elsewhere["object"]["inReplyTo"] = "https://elsewhere.example/n/1"
    assert desk.take(elsewhere) == (202, "ignored")
    assert desk.queue.items(("pending", "counted")) == []


def test_a_quote_request_is_accepted_with_a_stamp_naming_both_posts() -> None:
    desk = Desk()
    request = {
        "id": f"{ANA}/quote-requests/1",
        "type": "QuoteRequest",
        "actor": ANA,
        "object": NOTE,
        "instrument": {"id": f"{ANA}/notes/7", "type": "Note", "attributedTo": ANA, "content": "<p>look</p>"},
    }
    assert desk.take(request) == (202, "quote_accepted")
    ((to, accept),) = desk.sent
    assert to == ANA and accept["type"] == "Accept" and accept["actor"] == SITE_ACTOR
    assert accept["object"]["id"] == request["id"] and accept["result"] == stamp_id(SITE, request["id"])
    (quote,) = desk.queue.items(("counted",))
    stamp = quote_stamp(SITE, quote.interaction, SITE_ACTOR, NOTE)
    assert (stamp["id"], stamp["interactingObject"], stamp["interactionTarget"]) == (
        accept["result"],
        f"{ANA}/notes/7",
        NOTE,
    )


def test_one_server_may_not_flood_the_queue_and_nothing_accepted_is_lost() -> None:
    desk = Desk(per_minute=10)
    answers = [desk.take(reply(n)) for n in range(15)]
    assert answers.count((202, "reply")) == 10 and answers.count((429, "rate_limited")) == 5
    assert len(desk.queue.items()) == 10
    other = "https://other.example/users/zoe"
    assert desk.take(reply(1, other), other) == (202, "reply")  # another server is not held back
    desk.now += timedelta(minutes=1, seconds=1)
    assert desk.take(reply(20)) == (202, "reply")  # a minute later the first server may send again


def test_a_quote_request_the_notes_policy_does_not_allow_is_rejected_and_not_counted() -> None:
    desk = Desk()
    asked: list[tuple[str, str]] = []

    def nobody(quoted: str, actor: str) -> bool:
        asked.append((quoted, actor))
        return False

    desk.desk.may_quote = nobody
    request = {"id": f"{ANA}/quote-requests/2", "type": "QuoteRequest", "actor": ANA, "object": NOTE,
               "instrument": f"{ANA}/notes/8"}  # fmt: skip
    assert desk.take(request) == (202, "quote_rejected")
    ((to, reject),) = desk.sent
    assert (to, reject["type"], reject["object"]["id"], reject["object"]["instrument"]) == (
        ANA, "Reject", request["id"], f"{ANA}/notes/8"
    )  # fmt: skip
    assert asked == [(NOTE, ANA)] and desk.queue.items(("counted",)) == []


def test_a_reply_the_settings_approve_is_kept_approved_for_the_next_review_run_to_write() -> None:
    desk = Desk()
    desk.desk.auto_approve = lambda reply: reply.actor == ANA
    assert desk.take(reply(1)) == (202, "reply")
    assert desk.queue.items() == []  # nothing waits
    (approved,) = desk.queue.items(("approved",))
    assert approved.unwritten
