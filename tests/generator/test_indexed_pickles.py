"""A file of pickles by key: written as the entries come, read back only whole and for what it was made for."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lectern.generator import indexed_pickles


def test_entries_and_what_the_index_keeps_with_them_come_back(tmp_path: Path) -> None:
    path = tmp_path / "memo.pickle"
    values = {"a": {"title": "Fractions"}, "b": ("strips", 3), "c": None}
    indexed_pickles.write(path, "code-1", ((k, pickle.dumps(v), (f"kept-{k}",)) for k, v in values.items()))
    found = indexed_pickles.read(path, "code-1")
    assert found is not None
    index, data = found
    assert {k: pickle.loads(data[w[0] : w[0] + w[1]]) for k, w in index.items()} == values
    assert {k: w[2:] for k, w in index.items()} == {k: (f"kept-{k}",) for k in values}
    assert [p.name for p in tmp_path.iterdir()] == ["memo.pickle"]


def test_a_file_made_for_something_else_or_missing_reads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "memo.pickle"
    assert indexed_pickles.read(path, "code-1") is None
    indexed_pickles.write(path, "code-1", [("a", pickle.dumps(1), ())])
    assert indexed_pickles.read(path, "code-2") is None


@given(cut=st.integers(min_value=1, max_value=400))
def test_a_file_cut_short_reads_as_none(tmp_path_factory: pytest.TempPathFactory, cut: int) -> None:
    path = tmp_path_factory.mktemp("memo") / "memo.pickle"
    indexed_pickles.write(path, "code-1", [(str(n), pickle.dumps("x" * n), ()) for n in range(20)])
    whole = path.read_bytes()
    path.write_bytes(whole[: max(0, len(whole) - cut)])
    assert indexed_pickles.read(path, "code-1") is None
