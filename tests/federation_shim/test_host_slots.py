"""Per-host request slots: a few requests per host at once, others wait their turn, idle hosts are forgotten."""

from __future__ import annotations

import asyncio

from lectern.federation_shim.host_slots import HostSlots


def test_at_most_n_per_host_in_flight_and_other_hosts_are_not_held_up() -> None:
    slots = HostSlots(per_host=2)
    peak: dict[str, int] = {}
    inside: dict[str, int] = {}
    order: list[str] = []

    async def request(host: str, name: str) -> None:
        async with slots.slot(host):
            inside[host] = inside.get(host, 0) + 1
            peak[host] = max(peak.get(host, 0), inside[host])
            order.append(name)
            await asyncio.sleep(0.01)
            inside[host] -= 1

    async def main() -> None:
        await asyncio.gather(*(request("busy.example", f"b{n}") for n in range(6)), request("other.example", "o"))

    asyncio.run(main())
    assert peak == {"busy.example": 2, "other.example": 1}
    assert order[:3] == ["b0", "b1", "o"]  # the other host went at once, not behind the busy one's queue
    assert [name for name in order if name.startswith("b")] == [f"b{n}" for n in range(6)]  # first come, first served
    assert len(slots) == 0  # nothing kept for hosts with nothing in flight


def test_a_waiter_that_is_cancelled_gives_its_turn_to_the_next() -> None:
    slots = HostSlots(per_host=1)
    served: list[str] = []

    async def request(name: str, hold: float) -> None:
        async with slots.slot("h"):
            served.append(name)
            await asyncio.sleep(hold)

    async def main() -> None:
        first = asyncio.create_task(request("first", 0.05))
        second = asyncio.create_task(request("second", 0))
        third = asyncio.create_task(request("third", 0))
        await asyncio.sleep(0.01)
        second.cancel()
        await asyncio.gather(first, third, return_exceptions=True)
        assert second.cancelled()

    asyncio.run(main())
    assert served == ["first", "third"]
    assert len(slots) == 0
