"""Signing off the event loop, many signatures per hand-off to a thread.

An RSA-2048 signature costs about 250 µs of CPU and releases the GIL, so signing in threads keeps the event loop free
(`lectern serve` answers inboxes in the same loop that delivers) and lets a delivery use every core. Handing each
signature to a thread on its own costs a future, a thread wake-up and a wake-up of the loop, which measured at
about a quarter of the signature itself; this pool gathers every signature asked for in one turn of the event
loop and hands them over in chunks, so that cost is paid once per chunk.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["SigningPool"]


class SigningPool:
    """Runs `sign` callables in threads, batched per event-loop turn. Use it from one event loop."""

    def __init__(self, threads: int | None = None, chunk: int = 16) -> None:
        self.threads = threads or max(2, os.cpu_count() or 2)
        self.chunk = chunk
        self._executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="sign")
        self._waiting: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []

    async def run(self, sign: Callable[[], T]) -> T:
        """The result of `sign()`, computed in a thread (its exception is raised here)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._hand_over, loop)
        self._waiting.append((sign, future))
        return await future

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        waiting, self._waiting = self._waiting, []
        size = max(1, min(self.chunk, -(-len(waiting) // self.threads)))  # spread small batches over the threads
        for start in range(0, len(waiting), size):
            batch = waiting[start : start + size]
            self._executor.submit(self._sign_batch, loop, batch)

    @staticmethod
    def _sign_batch(
        loop: asyncio.AbstractEventLoop, batch: list[tuple[Callable[[], Any], asyncio.Future[Any]]]
    ) -> None:
        outcomes: list[tuple[bool, Any]] = []
        for sign, _future in batch:
            try:
                outcomes.append((True, sign()))
            except Exception as error:  # handed to the waiting coroutine, which decides
                outcomes.append((False, error))
        try:
            loop.call_soon_threadsafe(SigningPool._settle, batch, outcomes)
        except RuntimeError:
            pass  # the loop closed while we signed: nobody is waiting any more

    @staticmethod
    def _settle(batch: list[tuple[Callable[[], Any], asyncio.Future[Any]]], outcomes: list[tuple[bool, Any]]) -> None:
        for (_sign, future), (ok, value) in zip(batch, outcomes, strict=True):
            if future.done():  # cancelled meanwhile (a timeout, a stop)
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
