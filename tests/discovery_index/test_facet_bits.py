"""Facet values as id sets and bitsets: counts and filters stay right through additions, changes and removals."""

from __future__ import annotations

from lectern.discovery_index.facet_bits import DENSE, FacetBits, ids_to_mask, mask_to_ids, membership


def test_masks_round_trip() -> None:
    ids = [0, 3, 8, 9, 1000, 4095]
    mask = ids_to_mask(ids)
    assert mask_to_ids(mask) == ids
    contains = membership(mask)
    assert all(contains(i) for i in ids) and not contains(4) and not contains(10**6)


def test_counts_and_filters_with_sparse_and_dense_values() -> None:
    bits = FacetBits(("language", "level"))
    for rid in range(1, DENSE + 501):  # "en" becomes a bitset, "es" stays a set
        bits.add(rid, [("language", "en" if rid <= DENSE + 100 else "es"), ("level", "primary")])
    assert bits.values["language"]["en"].bits is not None and bits.values["language"]["es"].ids is not None
    everything = bits.all()
    counted = bits.counts(everything, keep=10, selected={})
    assert counted["language"] == [("en", DENSE + 100), ("es", 400)]
    spanish = bits.mask("language", ["es"])
    assert bits.counts(spanish, keep=10, selected={})["level"] == [("primary", 400)]

    bits.add(1, [("language", "es")])  # a resource changes its values
    bits.remove(2)
    counted = bits.counts(bits.all(), keep=10, selected={}, ids=None)
    assert counted["language"] == [("en", DENSE + 98), ("es", 401)]
    assert counted["level"] == [("primary", DENSE + 498)]


def test_only_the_top_values_and_the_selected_ones_are_returned() -> None:
    bits = FacetBits(("subject",))
    for rid in range(1, 61):
        bits.add(rid, [("subject", f"s{rid % 30:02d}")])
    counted = bits.counts(bits.all(), keep=5, selected={"subject": ("s29",)})
    assert [value for value, _count in counted["subject"]] == ["s00", "s01", "s02", "s03", "s04", "s29"]
