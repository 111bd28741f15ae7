"""Run a coroutine on uvloop where it is installed (Linux, macOS), on asyncio's own loop elsewhere.

uvloop makes the socket work of a delivery about twice as cheap in CPU (`python bench/delivery.py`); uvicorn picks it
for `lectern serve` by itself, and `lectern deliver` and the benchmarks use this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["run"]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
