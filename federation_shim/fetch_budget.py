"""How many key fetches a stream of requests may cause: token buckets per remote host and in all.

An unauthenticated request names any keyId it likes, and an unknown keyId costs us an outbound fetch before we can
refuse it. Without a bound, 10,000 requests with random keyIds are 10,000 fetches aimed wherever the sender chose:
the inbox becomes an amplifier. The key cache spends a token of the keyId's host and one of the global bucket before
each fetch; with none left the request is refused at once, as temporary (503 with Retry-After), without a fetch.

A bucket holds ``burst`` tokens and gains ``rate`` per second (the classic token bucket, RFC 2697's single rate). A
server that starts talking to us (a burst of first deliveries from new accounts) is within the per-host burst; a
sustained stream of new keys from one host is not. The per-host buckets live in an LRU mapping of ``max_hosts``
entries, so memory stays bounded whatever hosts are named; a host pushed out comes back with a full bucket, which is
why the global bucket exists.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .lru_dict import LRUDict

__all__ = ["FetchBudget", "TokenBucket"]


@dataclass
class TokenBucket:
    burst: float
    rate: float
    tokens: float
    updated: float

    def wait(self, now: float) -> float:
        """0 after taking a token, else the seconds until one is available (nothing taken)."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class FetchBudget:
    """``budget.wait(host)``: 0 when a fetch from ``host`` may start now, else the seconds to wait."""

    def __init__(
        self,
        *,
        host_burst: float = 30,
        host_rate: float = 0.5,
        global_burst: float = 300,
        global_rate: float = 10.0,
        max_hosts: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host_burst, self.host_rate = host_burst, host_rate
        self.clock = clock
        self.hosts: LRUDict[str, TokenBucket] = LRUDict(max_hosts)
        self.everyone = TokenBucket(global_burst, global_rate, global_burst, clock())

    def wait(self, host: str) -> float:
        now = self.clock()
        bucket = self.hosts.get(host)
        if bucket is None:
            bucket = self.hosts[host] = TokenBucket(self.host_burst, self.host_rate, self.host_burst, now)
        host_wait = bucket.wait(now)
        if host_wait:
            return host_wait
        everyone_wait = self.everyone.wait(now)
        if everyone_wait:
            bucket.tokens += 1.0  # the host's token was not used
        return everyone_wait
