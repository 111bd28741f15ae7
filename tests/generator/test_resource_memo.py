"""The memo of resources read: a rebuild reads again only what changed, and reports every problem a full read would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lectern.generator import resource_memo
from lectern.generator.content_loader import load_site
from lectern.generator.content_model import Resource, Site
from lectern.generator.resource_memo import ResourceMemo
from tests.generator.test_content_loader import COLLECTION, RESOURCE, write


def read_with_memo(content: Path, memo_folder: Path, code: str = "code-1") -> tuple[Site, list[str], ResourceMemo]:
    memo = ResourceMemo.load(memo_folder, code)
    site, problems = load_site(content, memo=memo)
    memo.save()
    return site, [str(p) for p in problems], memo


def test_a_rebuild_takes_unchanged_resources_from_the_memo_and_gives_the_same_site(tmp_path: Path) -> None:
    content = write(
        tmp_path,
        {
            "fractions/collection.md": COLLECTION,
            "fractions/number-line.md": RESOURCE,
            "fractions/pizza.md": RESOURCE.replace("number line", "pizza"),
        },
    )
    first, _problems, memo = read_with_memo(content, tmp_path / "memo")
    assert len(memo.used) == 2
    (content / "fractions" / "pizza.md").write_text(RESOURCE.replace("number line", "pie"), encoding="utf-8")
    again, problems, memo = read_with_memo(content, tmp_path / "memo")
    assert problems == []
    assert again == load_site(content)[0] != first
    assert [r.title for r in again.resources] == ["Fractions on a number line", "Fractions on a pie"]


def test_a_problem_made_by_an_edit_is_reported_whatever_the_memo_holds(tmp_path: Path) -> None:
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/number-line.md": RESOURCE})
    read_with_memo(content, tmp_path / "memo")
    (content / "fractions" / "number-line.md").write_text(RESOURCE.replace("CC-BY-4.0", "CC-BY-5.0"), encoding="utf-8")
    site, problems, _memo = read_with_memo(content, tmp_path / "memo")
    assert site.resources == ()
    assert len(problems) == 1 and "CC-BY-5.0" in problems[0]


def test_a_resource_that_hosts_files_is_checked_against_the_folder_on_every_read(tmp_path: Path) -> None:
    hosting = RESOURCE.replace("link: https://example.org/fractions", "files: sheet.pdf")
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/number-line.md": hosting})
    (content / "fractions" / "sheet.pdf").write_bytes(b"%PDF-1.4")
    _site, problems, memo = read_with_memo(content, tmp_path / "memo")
    assert problems == [] and memo.used == {}
    (content / "fractions" / "sheet.pdf").unlink()
    site, problems, _memo = read_with_memo(content, tmp_path / "memo")
    assert site.resources == () and any("sheet.pdf" in p for p in problems)


def test_a_memo_of_other_code_or_unreadable_is_an_empty_memo(tmp_path: Path) -> None:
    content = write(tmp_path, {"fractions/collection.md": COLLECTION, "fractions/number-line.md": RESOURCE})
    read_with_memo(content, tmp_path / "memo", code="code-1")
    assert len(ResourceMemo.load(tmp_path / "memo", "code-1")) == 1
    assert len(ResourceMemo.load(tmp_path / "memo", "code-2")) == 0
    (tmp_path / "memo" / "resources.pickle").write_bytes(b"not a pickle")
    assert len(ResourceMemo.load(tmp_path / "memo", "code-1")) == 0


def test_a_memo_cut_short_is_an_empty_memo(tmp_path: Path) -> None:
    content = write(
        tmp_path,
        {
            "fractions/collection.md": COLLECTION,
            "fractions/number-line.md": RESOURCE,
            "fractions/strips.md": RESOURCE.replace("example.org/fractions", "example.org/strips"),
        },
    )
    read_with_memo(content, tmp_path / "memo")
    memo = tmp_path / "memo" / "resources.pickle"
    assert len(ResourceMemo.load(tmp_path / "memo", "code-1")) == 2
    memo.write_bytes(memo.read_bytes()[: memo.stat().st_size * 3 // 4])  # the second entry lost, the head says two
    assert len(ResourceMemo.load(tmp_path / "memo", "code-1")) == 0


def test_a_rebuild_pickles_only_the_resources_it_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entries found in the memo are kept as the bytes they were read as; an edit pickles one resource."""
    content = write(
        tmp_path,
        {
            "fractions/collection.md": COLLECTION,
            "fractions/number-line.md": RESOURCE,
            "fractions/strips.md": RESOURCE.replace("example.org/fractions", "example.org/strips"),
            "fractions/pizza.md": RESOURCE.replace("example.org/fractions", "example.org/pizza"),
        },
    )
    read_with_memo(content, tmp_path / "memo")
    pickled: list[object] = []
    dumps = resource_memo.pickle.dumps

    def counting(value: object, *args: Any, **options: Any) -> bytes:
        if isinstance(value, Resource):
            pickled.append(value)
        return dumps(value, *args, **options)

    monkeypatch.setattr(resource_memo.pickle, "dumps", counting)
    (content / "fractions" / "pizza.md").write_text(RESOURCE.replace("number line", "pie"), encoding="utf-8")
    read_with_memo(content, tmp_path / "memo")
    assert [getattr(r, "title", None) for r in pickled] == ["Fractions on a pie"]
    monkeypatch.undo()
    site, problems, memo = read_with_memo(content, tmp_path / "memo")
    assert problems == [] and len(memo) == 3 and site == load_site(content)[0]
