"""Followers and processed activity ids, the same for every storage backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lectern.federation_shim.key_cache import CachedKey
from lectern.federation_shim.storage import Follower, ShimStorage
from tests.federation_shim.storage_contract.conftest import Backend


def follower(name: str, actor: str = "fractions", when: str = "2026-11-01T00:00:00Z", shared: bool = False) -> Follower:
    host = f"https://{name}.example"
    return Follower(
        actor, f"{host}/users/{name}", f"{host}/users/{name}/inbox", f"{host}/inbox" if shared else None,
        f"{host}/follows/{actor}", when,
    )  # fmt: skip


def follow(storage: ShimStorage, who: Follower) -> bool:
    return storage.followers.add_follower(who, who.follow_id)


def test_an_activity_id_is_processed_once(storage: ShimStorage) -> None:
    followers = storage.followers
    assert not followers.was_processed("https://a.example/likes/1")
    assert followers.mark_processed("https://a.example/likes/1", "Like", "https://a.example/users/a")
    assert not followers.mark_processed("https://a.example/likes/1", "Like", "https://a.example/users/a")
    assert followers.was_processed("https://a.example/likes/1")
    assert not followers.was_processed("https://a.example/likes/2")


def test_a_follow_is_stored_once_and_its_activity_is_claimed(storage: ShimStorage) -> None:
    ada = follower("ada")
    assert follow(storage, ada)
    assert not follow(storage, ada)  # the same Follow again: a duplicate, nothing changed
    assert storage.followers.was_processed(ada.follow_id)
    assert storage.followers.follow_of("fractions", ada.follower) == ada
    assert storage.followers.follow_by_id(ada.follow_id) == ada
    assert storage.followers.follow_of("geometry", ada.follower) is None
    assert storage.followers.follower_count("fractions") == 1


def test_a_new_follow_from_a_follower_updates_its_inboxes_and_keeps_its_date(storage: ShimStorage) -> None:
    ada = follower("ada")
    follow(storage, ada)
    again = Follower(ada.actor, ada.follower, "https://ada.example/new-inbox", "https://ada.example/inbox",
                     "https://ada.example/follows/2", "2026-12-01T00:00:00Z")  # fmt: skip
    assert follow(storage, again)
    stored = storage.followers.follow_of("fractions", ada.follower)
    assert stored == Follower(ada.actor, ada.follower, again.inbox, again.shared_inbox, again.follow_id, ada.created_at)
    assert storage.followers.follower_count("fractions") == 1


def test_followers_are_listed_oldest_first_in_pages(storage: ShimStorage) -> None:
    names = [f"f{n:02d}" for n in range(25)]
    for n, name in enumerate(reversed(names)):  # stored newest first, and two share each date
        follow(storage, follower(name, when=f"2026-11-{1 + (24 - n) // 2:02d}T00:00:00Z"))
    follow(storage, follower("other", actor="geometry"))
    pages = [storage.followers.followers_of("fractions", limit=10, offset=offset) for offset in (0, 10, 20, 30)]
    assert [len(page) for page in pages] == [10, 10, 5, 0]
    listed = [f.follower for page in pages for f in page]
    assert listed == [f"https://{name}.example/users/{name}" for name in names]
    assert storage.followers.follower_count("fractions") == 25
    everyone = storage.followers.all_followers()
    assert [f.actor for f in everyone] == ["fractions"] * 25 + ["geometry"]


def test_an_undo_removes_one_follow_once(storage: ShimStorage) -> None:
    ada = follower("ada")
    follow(storage, ada)
    follow(storage, follower("ada", actor="geometry"))
    undo = "https://ada.example/undos/1"
    assert storage.followers.remove_follower("fractions", ada.follower, undo) == 1
    assert storage.followers.remove_follower("fractions", ada.follower, undo) is None  # a duplicate
    assert storage.followers.remove_follower("fractions", ada.follower, "https://ada.example/undos/2") == 0
    assert [f.actor for f in storage.followers.all_followers()] == ["geometry"]


def test_a_deleted_actor_is_forgotten_with_its_keys(storage: ShimStorage) -> None:
    ada, bob = follower("ada"), follower("bob")
    follow(storage, ada)
    follow(storage, follower("ada", actor="geometry"))
    follow(storage, bob)
    key_id = "https://ada.example/users/ada#main-key"
    storage.keys[key_id] = CachedKey(key_id, ada.follower, "PEM", 1.0)
    assert storage.followers.is_known_actor(ada.follower)
    delete = "https://ada.example/users/ada#delete"
    assert storage.followers.remove_remote_actor(ada.follower, delete) == 2
    assert storage.followers.remove_remote_actor(ada.follower, delete) is None
    assert storage.keys.get(key_id) is None
    assert not storage.followers.is_known_actor(ada.follower)
    assert storage.followers.all_followers() == [bob]


def test_an_actor_whose_key_we_hold_is_known_without_following(storage: ShimStorage) -> None:
    key_id = "https://carl.example/users/carl#main-key"
    assert not storage.followers.is_known_actor("https://carl.example/users/carl")
    storage.keys[key_id] = CachedKey(key_id, "https://carl.example/users/carl", "PEM", 1.0)
    assert storage.followers.is_known_actor("https://carl.example/users/carl")


def test_one_inbox_per_server_is_the_audience(storage: ShimStorage) -> None:
    for name in ("ada", "bob"):
        follow(storage, follower(name, shared=True))
        follow(storage, follower(name, actor="library", shared=True))
    follow(storage, follower("carl"))
    follow(storage, follower("dora", actor="geometry"))
    assert storage.followers.inboxes_of(["fractions", "library"]) == [
        "https://ada.example/inbox",
        "https://bob.example/inbox",
        "https://carl.example/users/carl/inbox",
    ]
    assert storage.followers.inboxes_of(["nobody"]) == []


def test_followers_behind_a_gone_inbox_or_of_a_gone_actor_are_removed(storage: ShimStorage) -> None:
    follow(storage, follower("ada", shared=True))
    follow(storage, follower("ada", actor="geometry", shared=True))
    follow(storage, follower("bob"))
    assert storage.followers.remove_followers_at("https://ada.example/inbox") == 2
    assert storage.followers.remove_followers_at("https://bob.example/users/bob/inbox") == 1
    for name in ("carl", "dora"):
        follow(storage, follower(name, actor="geometry"))
    follow(storage, follower("carl", actor="library"))
    assert storage.followers.remove_followers_of("geometry") == 2
    assert [f.actor for f in storage.followers.all_followers()] == ["library"]


def test_a_change_made_through_one_connection_is_seen_through_another(backend: Backend) -> None:
    first, second = backend(), backend()
    follow(first, follower("ada"))
    assert second.followers.follower_count("fractions") == 1
    assert not follow(second, follower("ada"))  # its Follow was processed, whichever connection did it


def test_a_failed_transaction_keeps_nothing(storage: ShimStorage) -> None:
    with pytest.raises(RuntimeError), storage.database.atomic():
        follow(storage, follower("ada"))
        raise RuntimeError("the planner failed")
    assert storage.followers.all_followers() == []
    assert not storage.followers.was_processed(follower("ada").follow_id)


def test_processed_ids_are_forgotten_once_older_than_the_cut_off(storage: ShimStorage) -> None:
    followers = storage.followers
    for n in range(3):
        assert followers.mark_processed(f"https://a.example/likes/{n}", "Like", "https://a.example/users/u")
    assert followers.forget_processed(datetime.now(UTC) - timedelta(days=1)) == 0  # nothing is that old
    later = datetime.now(UTC) + timedelta(seconds=2)
    assert followers.forget_processed(later, limit=2) == 2
    assert followers.forget_processed(later) == 1
    assert not followers.was_processed("https://a.example/likes/0")
    assert followers.mark_processed("https://a.example/likes/0", "Like", "https://a.example/users/u")
