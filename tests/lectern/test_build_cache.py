"""A build that reuses the previous build's work gives the same bytes as a build from nothing.

Each test builds a project twice into `output/` (the second time with the cache of the first), then builds the same
content from nothing, without a cache, into another folder, and compares every file's bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lectern.build import build_site
from lectern.build_cache import MARKDOWN_FILE, cache_root
from lectern.generator import cartridge_output, json_files
from lectern.generator.article_memo import MEMO_FILE as ARTICLE_MEMO_FILE
from lectern.generator.content_model import Collection
from lectern.settings import Settings
from tests.conftest import SITE_URL, project_settings

NOTES = "Chapters 1 to 7 are our first term"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_as_fresh_build(settings: Settings, tmp_path: Path) -> None:
    fresh = settings.with_overrides(output_dir=tmp_path / "fresh")
    build_site(fresh, use_cache=False)
    built, expected = tree(settings.output_dir), tree(fresh.output_dir)
    assert sorted(built) == sorted(expected)
    different = [name for name in expected if built[name] != expected[name]]
    assert different == []


def cached_markdown(settings: Settings) -> Path:
    (folder,) = [p for p in cache_root(settings.output_dir).iterdir() if p.is_dir()]
    return folder / MARKDOWN_FILE


def test_rebuild_after_editing_a_resource_is_byte_identical(project: Path, tmp_path: Path) -> None:
    settings = project_settings(project)
    build_site(settings)
    resource = project / "content" / "python-basics" / "think-python.md"
    resource.write_text(resource.read_text(encoding="utf-8").replace(NOTES, "Chapters 1 to 9, edited."), "utf-8")
    build_site(settings)
    page = (settings.output_dir / "python-basics" / "think-python" / "index.html").read_text(encoding="utf-8")
    assert "Chapters 1 to 9, edited." in page
    assert_same_as_fresh_build(settings, tmp_path)


def test_rebuild_after_deleting_and_adding_resources_is_byte_identical(project: Path, tmp_path: Path) -> None:
    settings = project_settings(project)
    build_site(settings)
    folder = project / "content" / "python-basics"
    added = (folder / "think-python.md").read_text(encoding="utf-8").replace("Think Python", "Think Python again")
    (folder / "think-python-again.md").write_text(added, encoding="utf-8")
    (folder / "mit-6-0001.md").unlink()
    build_site(settings)
    assert (settings.output_dir / "python-basics" / "think-python-again" / "index.html").is_file()
    assert_same_as_fresh_build(settings, tmp_path)


def test_the_cache_is_reused_for_unchanged_notes(project: Path) -> None:
    """A planted entry shows the rebuild took the notes' HTML from the cache rather than rendering them again (when
    it reads the file again: here without the memo of the articles, `generator.article_memo`)."""
    settings = project_settings(project)
    build_site(settings)
    planted = plant_marker(settings)
    (cached_markdown(settings).parent / ARTICLE_MEMO_FILE).unlink()
    build_site(settings)
    page = (settings.output_dir / "python-basics" / "think-python" / "index.html").read_text(encoding="utf-8")
    assert planted in page


def plant_marker(settings: Settings) -> str:
    path = cached_markdown(settings)
    entries = json.loads(path.read_text(encoding="utf-8"))
    (key,) = [k for k, html in entries.items() if NOTES in html]
    entries[key] = "<p>PLANTED IN THE CACHE</p>"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return "PLANTED IN THE CACHE"


def test_a_settings_change_invalidates_the_cache(project: Path, tmp_path: Path) -> None:
    settings = project_settings(project)
    build_site(settings)
    planted = plant_marker(settings)
    conf = project / "pelicanconf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + "\nSITENAME = 'Renamed library'\n", encoding="utf-8")
    settings = project_settings(project)
    build_site(settings)
    page = (settings.output_dir / "python-basics" / "think-python" / "index.html").read_text(encoding="utf-8")
    assert planted not in page and "Renamed library" in page
    assert len([p for p in cache_root(settings.output_dir).iterdir() if p.is_dir()]) == 1
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_theme_change_invalidates_the_cache(project: Path, tmp_path: Path) -> None:
    settings = project_settings(project)
    build_site(settings)
    planted = plant_marker(settings)
    template = project / "themes" / "lectern" / "templates" / "article.html"
    text = template.read_text(encoding="utf-8").replace("Notes from the curator", "What the curator says")
    template.write_text(text, encoding="utf-8")
    build_site(settings)
    page = (settings.output_dir / "python-basics" / "think-python" / "index.html").read_text(encoding="utf-8")
    assert planted not in page and "What the curator says" in page
    assert_same_as_fresh_build(settings, tmp_path)


def test_the_cache_lives_beside_the_output(project: Path) -> None:
    settings = project_settings(project)
    build_site(settings)
    assert cache_root(settings.output_dir) == settings.output_dir.parent / ".lectern-cache" / settings.output_dir.name
    assert cached_markdown(settings).is_file()


def test_a_rebuild_writes_only_what_changed(project: Path) -> None:
    """Files the edit does not touch keep their inode: the rebuild did not write them again."""
    settings = project_settings(project)
    build_site(settings)
    untouched = settings.output_dir / "fractions" / "fraction-strips" / "index.html"
    edited = settings.output_dir / "python-basics" / "think-python" / "index.html"
    inodes = untouched.stat().st_ino, edited.stat().st_ino
    resource = project / "content" / "python-basics" / "think-python.md"
    resource.write_text(resource.read_text(encoding="utf-8").replace(NOTES, "Edited notes"), encoding="utf-8")
    build_site(settings)
    assert untouched.stat().st_ino == inodes[0]
    assert edited.stat().st_ino != inodes[1] and "Edited notes" in edited.read_text(encoding="utf-8")


def test_a_file_added_to_the_output_by_hand_means_a_full_build(project: Path, tmp_path: Path) -> None:
    settings = project_settings(project)
    build_site(settings)
    untouched = settings.output_dir / "fractions" / "fraction-strips" / "index.html"
    inode = untouched.stat().st_ino
    (settings.output_dir / "stray.txt").write_text("not made by a build\n", encoding="utf-8")
    build_site(settings)
    assert not (settings.output_dir / "stray.txt").exists()
    assert untouched.stat().st_ino != inode
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_rebuild_killed_while_moving_files_in_is_followed_by_a_full_build(project: Path, tmp_path: Path) -> None:
    """The record goes before the first file moves: without it, the next build starts from nothing."""
    settings = project_settings(project)
    build_site(settings)
    (record,) = cache_root(settings.output_dir).glob("*/output-record.json")
    record.unlink()  # what a build killed between forgetting the record and writing the new one leaves
    edited = settings.output_dir / "python-basics" / "think-python" / "index.html"
    edited.write_text("half of an update\n", encoding="utf-8")
    build_site(settings)
    assert_same_as_fresh_build(settings, tmp_path)


def test_rebuild_after_editing_a_collection_and_a_tag_is_byte_identical(project: Path, tmp_path: Path) -> None:
    """A collection's title is on each of its resources' pages, a tag on several tag pages: none may be stale."""
    settings = project_settings(project)
    build_site(settings)
    collection = project / "content" / "python-basics" / "collection.md"
    text = collection.read_text(encoding="utf-8")
    collection.write_text(text.replace("title: Python basics", "title: Python, the basics"), encoding="utf-8")
    resource = project / "content" / "python-basics" / "think-python.md"
    text = resource.read_text(encoding="utf-8")
    resource.write_text(text.replace("tags: python, beginners", "tags: python, novices"), encoding="utf-8")
    build_site(settings)
    page = (settings.output_dir / "python-basics" / "mit-6-0001" / "index.html").read_text(encoding="utf-8")
    assert "Python, the basics" in page
    assert_same_as_fresh_build(settings, tmp_path)


def test_rebuild_after_editing_a_collection_without_resources_is_byte_identical(project: Path, tmp_path: Path) -> None:
    """No resource page shows this collection: only its own page (and the home page) must follow the edit."""
    settings = project_settings(project)
    folder = project / "content" / "empty-shelf"
    folder.mkdir()
    description = (
        "---\ntitle: Empty shelf\nsummary: Nothing here yet.\ncurator: Ada Lovelace\nlanguage: en\n---\nSoon.\n"
    )
    (folder / "collection.md").write_text(description, encoding="utf-8")
    build_site(settings)
    (folder / "collection.md").write_text(description.replace("Soon.", "Very soon."), encoding="utf-8")
    build_site(settings)
    assert "Very soon." in (settings.output_dir / "empty-shelf" / "index.html").read_text(encoding="utf-8")
    assert_same_as_fresh_build(settings, tmp_path)


@pytest.mark.parametrize("fork", ["1", "0"], ids=["forked", "in-process"])
def test_a_rebuild_reuses_the_cartridges_of_unchanged_collections(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: str
) -> None:
    """Only the edited collection's cartridge is built again; the others keep the output's, by their cache key."""
    monkeypatch.setenv("LECTERN_BUILD_FORK", fork)
    settings = project_settings(project)
    build_site(settings)
    built = tmp_path / "built.txt"  # a file, which the forked process appends to as well
    export = cartridge_output.export_cartridge

    def counted(collection: Collection, *args: Any) -> bytes:
        with open(built, "a", encoding="utf-8") as record:
            record.write(f"{os.getpid()} {collection.slug}\n")
        return export(collection, *args)

    monkeypatch.setattr(cartridge_output, "export_cartridge", counted)
    resource = project / "content" / "python-basics" / "think-python.md"
    resource.write_text(resource.read_text(encoding="utf-8").replace(NOTES, "Edited notes"), encoding="utf-8")
    build_site(settings)
    ((pid, slug),) = [line.split(" ") for line in built.read_text("utf-8").splitlines()]
    assert slug == "python-basics"
    assert (pid == str(os.getpid())) == (fork == "0" or not sys.platform.startswith("linux"))
    monkeypatch.undo()
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_changed_hosted_file_changes_the_cartridge(project: Path, tmp_path: Path) -> None:
    """The cartridge carries the hosted files: new bytes in one, with no resource edited, make a new cartridge."""
    settings = project_settings(project)
    build_site(settings)
    cartridge = settings.output_dir / "intro-physics" / "intro-physics.imscc"
    before = cartridge.read_bytes()
    data = project / "content" / "intro-physics" / "pendulum-timing-data.csv"
    data.write_text(data.read_text(encoding="utf-8") + "9,9.99\n", encoding="utf-8")
    build_site(settings)
    assert cartridge.read_bytes() != before
    assert_same_as_fresh_build(settings, tmp_path)


@pytest.mark.parametrize("fork", ["1", "0"], ids=["forked", "in-process"])
def test_a_rebuild_serialises_only_the_edited_resources_documents(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: str
) -> None:
    """The Notes and activities of unchanged resources keep the output's files, by their cache key, unserialised,
    whether the build writes them in a forked process (`generator.forked_work`) or in its own."""
    monkeypatch.setenv("LECTERN_BUILD_FORK", fork)
    settings = project_settings(project)
    build_site(settings)
    serialised = tmp_path / "serialised.txt"  # a file, which the forked process appends to as well
    text = json_files.json_text

    def recorded(document: Any) -> str:
        with open(serialised, "a", encoding="utf-8") as record:
            record.write(f"{os.getpid()} {document.get('id', '')}\n")
        return text(document)

    monkeypatch.setattr(json_files, "json_text", recorded)
    resource = project / "content" / "python-basics" / "think-python.md"
    resource.write_text(resource.read_text(encoding="utf-8").replace(NOTES, "Edited notes"), encoding="utf-8")
    build_site(settings)
    kinds = ("objects", "creates", "pages", "announces", "group-announces")
    lines = [line.split(" ", 1) for line in serialised.read_text("utf-8").splitlines()]
    documents = [i for _pid, i in lines if any(f"/ap/{kind}/" in i for kind in kinds)]
    by_this_process = {pid for pid, i in lines if "/ap/objects/" in i} == {str(os.getpid())}
    assert by_this_process == (fork == "0" or not sys.platform.startswith("linux"))
    assert len(documents) == 5 and all("/python-basics/think-python" in i for i in documents), documents
    monkeypatch.undo()
    assert_same_as_fresh_build(settings, tmp_path)


def test_the_theme_templates_are_compiled_once_for_the_next_builds(project: Path, tmp_path: Path) -> None:
    settings = project_settings(project)
    build_site(settings)
    (folder,) = [p for p in cache_root(settings.output_dir).iterdir() if p.is_dir()]
    compiled = sorted((folder / "templates").iterdir())
    assert compiled, "Jinja's bytecode cache is empty"
    resource = project / "content" / "python-basics" / "think-python.md"
    resource.write_text(resource.read_text(encoding="utf-8").replace(NOTES, "Edited notes"), encoding="utf-8")
    build_site(settings)
    assert sorted((folder / "templates").iterdir()) == compiled
    assert_same_as_fresh_build(settings, tmp_path)


def site_actor_key(settings: Settings) -> str:
    (actor,) = [p for p in settings.output_dir.glob("ap/actors/*.json") if p.stem == settings.site_actor]
    return str(json.loads(actor.read_text(encoding="utf-8"))["publicKey"]["publicKeyPem"])


def test_a_new_private_key_gives_the_actors_its_public_key(project: Path, tmp_path: Path) -> None:
    """The public key is kept beside the private key by a hash of the key file: a replaced key file is a new key."""
    from lectern.keys import load_or_create_private_key, private_key_path, public_key_pem

    settings = project_settings(project)
    build_site(settings)
    first = site_actor_key(settings)
    assert first == public_key_pem(load_or_create_private_key(settings.instance_dir))
    private_key_path(settings.instance_dir).unlink()  # the next build creates another key pair
    build_site(settings)
    second = site_actor_key(settings)
    assert second != first
    assert second == public_key_pem(load_or_create_private_key(settings.instance_dir))
    assert_same_as_fresh_build(settings, tmp_path)


def test_a_build_after_the_first_does_not_load_the_private_key(project: Path) -> None:
    """With the public key kept from the build before, a build, even from nothing, never imports cryptography."""
    settings = project_settings(project)
    build_site(settings)
    shutil.rmtree(settings.output_dir)
    shutil.rmtree(cache_root(settings.output_dir))
    code = (
        "import sys; from pathlib import Path; from lectern.build import build_site; "
        "from lectern.settings import load_settings; "
        f"build_site(load_settings(Path({str(project / 'pelicanconf.py')!r})).with_overrides(site_url={SITE_URL!r})); "
        "print('cryptography' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=project)
    assert result.stdout.split()[-1:] == ["False"], result.stderr[-2000:]
