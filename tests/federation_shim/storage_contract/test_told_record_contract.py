"""Lectern's record of what followers were told, and plans stored with their jobs, the same for every backend."""

from __future__ import annotations

import pytest

from lectern.delivery_plan import DeliveredItem, Plan, PlannedActivity
from lectern.federation_shim.storage import Follower, ShimStorage
from lectern.told_record import plan_recorder
from tests.federation_shim.storage_contract.conftest import Backend

SITE = "https://oer.example"
ITEM = DeliveredItem("fractions/strips", f"{SITE}/ap/objects/fractions/strips.json", "h1", "2026-11-01T00:00:00Z", True)


def activity(name: str, kind: str = "Create") -> dict[str, str]:
    return {"id": f"{SITE}/ap/activities/{name}", "type": kind}


def followed(storage: ShimStorage, actor: str, *hosts: str) -> None:
    for host in hosts:
        who = f"https://{host}/users/u"
        storage.followers.add_follower(
            Follower(actor, who, f"{who}/inbox", None, f"{who}#{actor}", "2026"), f"{who}#{actor}"
        )


def test_the_record_starts_empty_and_remembers_items(storage: ShimStorage) -> None:
    told = plan_recorder(storage).told
    assert told.first_run() and told.delivered_items() == {}
    told.remember([ITEM])
    assert not told.first_run()
    changed = DeliveredItem(ITEM.key, ITEM.object_id, "h2", "2026-11-02T00:00:00Z", False)
    told.remember([changed])
    assert told.delivered_items() == {ITEM.key: changed}
    told.remember([])
    assert told.delivered_items() == {ITEM.key: changed}


def test_a_new_site_url_is_noticed_once(storage: ShimStorage) -> None:
    told = plan_recorder(storage).told
    assert not told.site_url_changed(SITE)  # the first one is not a change
    assert not told.site_url_changed(SITE)
    assert told.site_url_changed("https://moved.example")
    assert not told.site_url_changed("https://moved.example")
    told.remember([ITEM])
    told.forget_items()
    assert told.delivered_items() == {} and not told.first_run()


def test_a_plan_queues_each_activity_for_its_audience(storage: ShimStorage) -> None:
    followed(storage, "fractions", "a.example", "b.example")
    followed(storage, "library", "b.example", "c.example")
    plan = Plan(
        [
            PlannedActivity(activity("create"), "library", "site", "fractions"),
            PlannedActivity(activity("announce", "Announce"), "fractions", "collection", "fractions"),
            PlannedActivity(activity("update", "Update"), "library", "both", "fractions"),
        ],
        [ITEM],
    )
    recorder = plan_recorder(storage)
    assert recorder.record_plan(plan, "library", 0.0) == 2 + 2 + 3
    assert recorder.record_plan(plan, "library", 0.0) == 0  # queued already
    jobs = storage.deliveries.claim_due(0.0, 100)
    by_activity: dict[str, set[str]] = {}
    for job in jobs:
        by_activity.setdefault(job.activity_id.rsplit("/", 1)[1], set()).add(job.host)
    assert by_activity == {
        "create": {"b.example", "c.example"},
        "announce": {"a.example", "b.example"},
        "update": {"a.example", "b.example", "c.example"},
    }
    assert storage.deliveries.activity(activity("create")["id"])[0] == "library"
    assert recorder.told.delivered_items() == {ITEM.key: ITEM}


def test_the_delete_of_an_actor_is_queued_for_its_followers_who_are_then_forgotten(storage: ShimStorage) -> None:
    followed(storage, "geometry", "a.example", "b.example")
    followed(storage, "fractions", "a.example")
    delete = PlannedActivity(activity("delete", "Delete"), "geometry", "collection", "geometry", forget_followers=True)
    assert plan_recorder(storage).record_plan(Plan([delete], []), "library", 0.0) == 2
    assert [f.actor for f in storage.followers.all_followers()] == ["fractions"]


def test_planning_sees_the_record_and_stores_the_plan(storage: ShimStorage) -> None:
    recorder = plan_recorder(storage)
    seen: list[tuple[dict[str, DeliveredItem], bool]] = []

    def planner(delivered: dict[str, DeliveredItem], first_run: bool) -> Plan:
        seen.append((delivered, first_run))
        return Plan([], [ITEM], baseline=first_run)

    plan, jobs = recorder.plan_and_record(planner, SITE, "library", 0.0)
    assert plan.baseline and jobs == 0
    recorder.plan_and_record(planner, SITE, "library", 0.0)
    recorder.plan_and_record(planner, "https://moved.example", "library", 0.0)  # ids changed: a new record
    assert seen == [({}, True), ({ITEM.key: ITEM}, False), ({}, True)]


def test_a_plan_that_fails_midway_keeps_nothing(storage: ShimStorage) -> None:
    followed(storage, "fractions", "a.example")
    recorder = plan_recorder(storage)

    def planner(delivered: dict[str, DeliveredItem], first_run: bool) -> Plan:
        raise ValueError("a document of the build could not be read")

    with pytest.raises(ValueError):
        recorder.plan_and_record(planner, SITE, "library", 0.0)
    assert recorder.told.first_run()
    assert not recorder.told.site_url_changed("https://elsewhere.example")  # the site URL was not kept either


def test_two_planners_on_one_database_queue_a_change_once(backend: Backend) -> None:
    first, second = backend(), backend()
    followed(first, "fractions", "a.example")
    plan_recorder(first).told.remember([])  # past the first run

    def planner(delivered: dict[str, DeliveredItem], first_run: bool) -> Plan:
        if ITEM.key in delivered:
            return Plan([], [])
        return Plan([PlannedActivity(activity("create"), "fractions", "collection", "fractions")], [ITEM])

    queued = [plan_recorder(storage).plan_and_record(planner, SITE, "library", 0.0)[1] for storage in (first, second)]
    assert queued == [1, 0]
