"""A review run writes the curator's decisions and the authors' later edits into the content repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lectern.interactions import Interaction, Kind
from lectern.reply_files import read_reply_file, reply_file_of
from lectern.review_queue import Author, MemoryReviewQueue, new_item
from lectern.review_run import ReviewError, approve, bring_up_to_date, reject

ANA = "https://school.example/users/ana"
KEY = "fractions/fraction-strips"


def interaction(n: int, kind: Kind = "reply") -> Interaction:
    return Interaction(
        f"https://school.example/activities/{n}",
        kind,
        ANA,
        KEY,
        None,
        post_id=f"https://school.example/notes/{n}",
        url=f"https://school.example/@ana/{n}",
        html=f"<p>reply {n}</p>",
        text=f"reply {n}",
        published=f"2026-11-30T09:0{n}:00Z",
    )


@pytest.fixture
def resource(tmp_path: Path) -> Path:
    path = tmp_path / "content" / "fractions" / "fraction-strips.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    return path


def test_approving_a_reply_writes_it_beside_the_resource_and_its_deletion_removes_it(resource: Path) -> None:
    queue = MemoryReviewQueue()
    ana = Author(ANA, "Ana", "@ana@school.example", avatar="https://school.example/a.png")
    item = new_item(interaction(1), ana, "t")
    queue.add(item)
    decided, changes = approve(queue, item.id, {KEY: resource})
    path = reply_file_of(resource)
    assert decided.status == "approved" and [c.path for c in changes] == [path]
    assert path.name == "fraction-strips.replies.json"
    written = json.loads(path.read_text(encoding="utf-8"))["replies"]
    assert [(r["author"]["handle"], r["html"]) for r in written] == [("@ana@school.example", "<p>reply 1</p>")]

    queue.revise(ANA, "https://school.example/notes/1", "<p>better</p>")
    changes = bring_up_to_date(queue, {KEY: resource})
    assert [c.what for c in changes] == ["updated the reply @ana@school.example edited"]
    assert read_reply_file(path).replies[0].html == "<p>better</p>"
    assert bring_up_to_date(queue, {KEY: resource}) == []  # nothing new: nothing written

    queue.retract(ANA, "https://school.example/notes/1")
    changes = bring_up_to_date(queue, {KEY: resource})
    assert "file removed" in changes[0].what and not path.exists()


def test_reactions_are_counted_into_the_file_and_a_rejected_like_stops_counting(resource: Path) -> None:
    queue = MemoryReviewQueue()
    for n, kind in enumerate(("like", "like", "boost"), 1):
        queue.add(new_item(interaction(n, kind), Author(ANA), f"t{n}"))
    bring_up_to_date(queue, {KEY: resource})
    counts = read_reply_file(reply_file_of(resource))
    assert (counts.likes, counts.boosts, counts.quotes) == (2, 1, 0)
    reject(queue, queue.items(("counted",))[0].id)
    bring_up_to_date(queue, {KEY: resource})
    assert read_reply_file(reply_file_of(resource)).likes == 1


def test_decisions_on_what_is_not_there_say_what_to_do(resource: Path) -> None:
    queue = MemoryReviewQueue()
    with pytest.raises(ReviewError, match="'lectern review' lists them"):
        approve(queue, "nope", {KEY: resource})
    like = new_item(interaction(1, "like"), Author(ANA), "t")
    queue.add(like)
    with pytest.raises(ReviewError, match="only 'reject' applies"):
        approve(queue, like.id, {KEY: resource})
    orphan = new_item(interaction(2), Author(ANA), "t")
    queue.add(orphan)
    with pytest.raises(ReviewError, match="no longer in the content"):
        approve(queue, orphan.id, {})


def test_a_hand_edited_replies_file_is_cleaned_again_and_checked(resource: Path) -> None:
    path = reply_file_of(resource)
    reply = {"id": "https://s.example/n/1", "html": "<p>hi</p><script>x()</script>", "author": {"actor": ANA}}
    path.write_text(json.dumps({"replies": [reply]}), encoding="utf-8")
    assert read_reply_file(path).replies[0].html == "<p>hi</p>"
    path.write_text(json.dumps({"replies": [{**reply, "id": "javascript:x"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"replies\[1\]\.id: write an http\(s\) address"):
        read_reply_file(path)


def test_a_follow_request_is_answered_when_decided_and_only_once(resource: Path) -> None:
    from lectern.review_run import ReviewEffects

    queue = MemoryReviewQueue()
    answered: list[tuple[str, bool]] = []
    effects = ReviewEffects(follow_decided=lambda item, accepted: answered.append((item.interaction.actor, accepted)))
    follows = [
        new_item(
            Interaction(
                f"https://school.example/follows/{n}", "follow", f"https://school.example/users/{n}", None, "y5"
            ),
            Author(ANA),
            "t",
        )
        for n in (1, 2)
    ]
    for item in follows:
        queue.add(item)
    assert [i.status for i in queue.items()] == ["pending", "pending"]
    approve(queue, follows[0].id, {}, effects)
    reject(queue, follows[1].id, effects)
    reject(queue, follows[1].id, effects)  # rejected already: no second Reject
    assert answered == [("https://school.example/users/1", True), ("https://school.example/users/2", False)]


def test_a_reply_approved_by_the_settings_is_written_by_the_next_review_run(resource: Path) -> None:
    from dataclasses import replace as changed

    queue = MemoryReviewQueue()
    item = changed(new_item(interaction(1), Author(ANA, "Ana"), "t"), status="approved", unwritten=True)
    queue.add(item)
    (change,) = bring_up_to_date(queue, {KEY: resource})
    assert change.what.endswith("approved by the settings")
    assert [r.id for r in read_reply_file(reply_file_of(resource)).replies] == ["https://school.example/notes/1"]
    assert bring_up_to_date(queue, {KEY: resource}) == []  # written once
