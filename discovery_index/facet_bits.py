"""Facet values as sets of resource ids, in memory: filters are ANDs of bitsets, counts are popcounts.

Counting facets with SQL (`GROUP BY` over every match) costs a row visit per match and per value: at 100,000
resources a common word matches 40,000 of them and the count takes longer than the whole search should. Here a
facet value is the set of resource ids that have it; a set of matches becomes a Python int used as a bitset
(bit n = resource n), so `(matches & value).bit_count()` counts a value over 100,000 resources in microseconds.

A value with few resources is kept as a `set` of ids (a free-text subject used once costs a few bytes, not a bitset
as long as the id range); past DENSE ids it becomes a `bytearray` bitset. The store rebuilds this from its rows at
start and updates it after each committed write. It is what a search engine calls a facet index; PostgreSQL or
OpenSearch would count in the database instead (docs/discovery-index.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import chain

DENSE = 1024
POPCOUNT_COST = 100  # a popcount over 100,000 bits costs about as much as reading 100 values in Python
_BITS_OF_BYTE = [tuple(bit for bit in range(8) if (byte >> bit) & 1) for byte in range(256)]

Pair = tuple[str, str]


def ids_to_mask(ids: Iterable[int]) -> int:
    """The bitset of `ids` (non-negative integers)."""
    ordered = list(ids)
    if not ordered:
        return 0
    bits = bytearray(max(ordered) // 8 + 1)
    for rid in ordered:
        bits[rid >> 3] |= 1 << (rid & 7)
    return int.from_bytes(bits, "little")


def mask_to_ids(mask: int) -> list[int]:
    """The ids in bitset `mask`, ascending."""
    raw = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
    return [index * 8 + bit for index, byte in enumerate(raw) if byte for bit in _BITS_OF_BYTE[byte]]


def membership(mask: int) -> Callable[[int], bool]:
    """A fast `id in mask` test (reads a bytes copy instead of shifting a big int per test)."""
    raw = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
    size = len(raw)

    def contains(rid: int) -> bool:
        index = rid >> 3
        return index < size and bool((raw[index] >> (rid & 7)) & 1)

    return contains


class _Value:
    """The resources with one facet value: a set while small, a bitset (bytearray) once it has DENSE ids."""

    __slots__ = ("bits", "count", "ids")

    def __init__(self) -> None:
        self.ids: set[int] | None = set()
        self.bits: bytearray | None = None
        self.count = 0

    def add(self, rid: int) -> None:
        if self.ids is not None:
            if rid not in self.ids:
                self.ids.add(rid)
                self.count += 1
                if self.count >= DENSE:
                    self.bits = bytearray(ids_to_mask(self.ids).to_bytes((max(self.ids) >> 3) + 1, "little"))
                    self.ids = None
            return
        assert self.bits is not None
        if rid >> 3 >= len(self.bits):
            self.bits.extend(bytes((rid >> 3) + 1 - len(self.bits)))
        if not self.bits[rid >> 3] & (1 << (rid & 7)):
            self.bits[rid >> 3] |= 1 << (rid & 7)
            self.count += 1

    def discard(self, rid: int) -> None:
        if self.ids is not None:
            if rid in self.ids:
                self.ids.remove(rid)
                self.count -= 1
        elif self.bits is not None and rid >> 3 < len(self.bits) and self.bits[rid >> 3] & (1 << (rid & 7)):
            self.bits[rid >> 3] &= ~(1 << (rid & 7)) & 0xFF
            self.count -= 1

    def mask(self) -> int:
        if self.ids is not None:
            return ids_to_mask(self.ids)
        assert self.bits is not None
        return int.from_bytes(self.bits, "little")

    def count_in(self, mask: int, contains: Callable[[int], bool]) -> int:
        if self.ids is not None:
            return sum(1 for rid in self.ids if contains(rid))
        return (self.mask() & mask).bit_count()


class FacetBits:
    """Facet -> value -> resource ids, plus every live id; see the module docstring."""

    def __init__(self, facets: Sequence[str]) -> None:
        self.facets = tuple(facets)
        self.values: dict[str, dict[str, _Value]] = {facet: {} for facet in self.facets}
        self.live = _Value()
        self.pairs: dict[int, tuple[Pair, ...]] = {}
        self.pair_total = 0

    def add(self, rid: int, pairs: Iterable[Pair]) -> None:
        self.remove(rid)
        kept = tuple(pair for pair in pairs if pair[0] in self.values)
        for facet, value in kept:
            self.values[facet].setdefault(value, _Value()).add(rid)
        self.pairs[rid] = kept
        self.pair_total += len(kept)
        self.live.add(rid)

    def remove(self, rid: int) -> None:
        removed = self.pairs.pop(rid, ())
        self.pair_total -= len(removed)
        for facet, value in removed:
            entry = self.values[facet].get(value)
            if entry is not None:
                entry.discard(rid)
                if entry.count == 0:
                    del self.values[facet][value]
        self.live.discard(rid)

    def all(self) -> int:
        return self.live.mask()

    def mask(self, facet: str, values: Iterable[str]) -> int:
        """The resources having any of `values` for `facet`."""
        mask = 0
        for value in values:
            entry = self.values.get(facet, {}).get(value)
            if entry is not None:
                mask |= entry.mask()
        return mask

    def counts(
        self, mask: int, keep: int, selected: dict[str, tuple[str, ...]], ids: Sequence[int] | None = None
    ) -> dict[str, list[tuple[str, int]]]:
        """Per facet, (value, resources of `mask` with it), most frequent first: the top `keep` and the selected.

        Counting reads either each match's values (`ids`, when the caller has them) or each value's bitset (a popcount)
        or id set, whichever touches less: a popcount over 100,000 bits costs about what reading 100 values does."""
        entries = [entry for facet in self.facets for entry in self.values[facet].values()]
        by_bits = sum(POPCOUNT_COST if entry.ids is None else entry.count for entry in entries)
        by_matches = mask.bit_count() * max(1, self.pair_total // max(1, len(self.pairs)))
        if by_matches < by_bits:
            tally = Counter(chain.from_iterable(map(self.pairs.__getitem__, mask_to_ids(mask) if ids is None else ids)))
            by_facet: dict[str, list[tuple[str, int]]] = {facet: [] for facet in self.facets}
            for (facet, value), count in tally.items():
                by_facet[facet].append((value, count))
        else:
            contains = membership(mask)
            by_facet = {
                facet: [(value, entry.count_in(mask, contains)) for value, entry in self.values[facet].items()]
                for facet in self.facets
            }
        result: dict[str, list[tuple[str, int]]] = {}
        for facet, pairs in by_facet.items():
            counted = sorted((pair for pair in pairs if pair[1]), key=lambda pair: (-pair[1], pair[0]))
            chosen = set(selected.get(facet, ()))
            result[facet] = counted[:keep] + [pair for pair in counted[keep:] if pair[0] in chosen]
        return result
