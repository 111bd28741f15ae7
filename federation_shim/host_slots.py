"""At most N requests in flight per host, first come first served; a host with nothing in flight costs no memory.

(A Semaphore per host would do the same, but a long-running shim that has delivered to 100,000 hosts would keep
100,000 of them.)
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["HostSlots"]


class HostSlots:
    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self._busy: dict[str, int] = {}
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        if self._busy.get(host, 0) >= self.per_host:
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(host, deque()).append(waiter)
            try:
                await waiter  # the slot is handed over with the wake-up: _busy already counts us
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._release(host)  # woken and cancelled at once: pass the slot on
                else:
                    queue = self._waiting.get(host)
                    if queue is not None and waiter in queue:  # a release may have dropped it already
                        queue.remove(waiter)
                        if not queue:
                            del self._waiting[host]
                raise
        else:
            self._busy[host] = self._busy.get(host, 0) + 1
        try:
            yield
        finally:
            self._release(host)

    def _release(self, host: str) -> None:
        waiting = self._waiting.get(host)
        while waiting:
            waiter = waiting.popleft()
            if not waiting:
                del self._waiting[host]
            if not waiter.done():
                waiter.set_result(None)  # the slot goes straight to the next in line
                return
            waiting = self._waiting.get(host)
        self._busy[host] -= 1
        if not self._busy[host]:
            del self._busy[host]

    def __len__(self) -> int:
        """Hosts with something in flight or waiting (for tests: idle hosts must not linger)."""
        return len(self._busy.keys() | self._waiting.keys())
