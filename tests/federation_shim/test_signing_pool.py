"""The signing pool: signatures made in threads, handed over in batches, each result back to its own caller."""

from __future__ import annotations

import asyncio
import threading

import pytest

from lectern.federation_shim.signing_pool import SigningPool


def test_every_caller_gets_its_own_result_from_a_thread() -> None:
    pool = SigningPool(threads=2, chunk=4)
    threads: set[str] = set()

    def sign(n: int) -> int:
        threads.add(threading.current_thread().name)
        return n * n

    async def main() -> list[int]:
        return await asyncio.gather(*(pool.run(lambda n=n: sign(n)) for n in range(50)))

    try:
        assert asyncio.run(main()) == [n * n for n in range(50)]
    finally:
        pool.close()
    assert threads and all(name.startswith("sign") for name in threads)


def test_an_error_reaches_only_the_caller_whose_signature_failed() -> None:
    pool = SigningPool(threads=1, chunk=8)

    def sign(n: int) -> int:
        if n == 3:
            raise ValueError("not an http(s) URL")
        return n

    async def main() -> list[int | BaseException]:
        return await asyncio.gather(*(pool.run(lambda n=n: sign(n)) for n in range(6)), return_exceptions=True)

    try:
        results = asyncio.run(main())
    finally:
        pool.close()
    assert results[:3] == [0, 1, 2] and results[4:] == [4, 5]
    assert isinstance(results[3], ValueError)


def test_a_caller_that_gave_up_does_not_break_the_batch() -> None:
    pool = SigningPool(threads=1, chunk=8)
    release = threading.Event()

    def slow() -> str:
        release.wait(5)
        return "late"

    async def main() -> str:
        abandoned = asyncio.ensure_future(pool.run(slow))
        kept = asyncio.ensure_future(pool.run(lambda: "kept"))
        await asyncio.sleep(0.05)
        abandoned.cancel()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await abandoned
        return await kept

    try:
        assert asyncio.run(main()) == "kept"
    finally:
        pool.close()
