"""The plan is a pure function of the build, the bucket's listing and what is known of its objects."""

from __future__ import annotations

from pathlib import Path

from lectern.content_types import cache_control, content_type
from lectern.publish.local_files import LocalFile
from lectern.publish.manifest import Entry
from lectern.publish.plan import RemoteObject, make_plan, paths_to_head, paths_to_inspect, trusted_entries, waves


def local(path: str, sha: str = "aa", size: int = 10) -> LocalFile:
    return LocalFile(path, Path("/nowhere") / path, size, sha, content_type(path), cache_control(path))


def entry(file: LocalFile, etag: str = '"e1"', tombstone: bool = False) -> Entry:
    return Entry(file.sha256, etag, file.size, file.content_type, file.cache_control, tombstone)


def remote(path: str, etag: str = '"e1"', size: int = 10) -> RemoteObject:
    return RemoteObject(path, etag, size)


def test_new_changed_and_header_changed_files_are_uploaded_the_rest_not() -> None:
    same, edited, retyped, new = local("a.html"), local("b.html", sha="bb"), local("c.css"), local("d.pdf")
    listing = {p: remote(p) for p in ("a.html", "b.html", "c.css")}
    known = {
        "a.html": entry(same),
        "b.html": entry(local("b.html")),
        "c.css": Entry("aa", '"e1"', 10, "text/css; charset=utf-8", "public, max-age=60"),
    }

    plan = make_plan([same, edited, retyped, new], listing, known, delete=False)

    assert plan.reasons == {"b.html": "content changed", "c.css": "headers changed", "d.pdf": "new"}
    assert plan.unchanged == (same,)


def test_a_known_entry_without_a_listed_object_is_not_trusted() -> None:
    file = local("a.html")
    assert make_plan([file], {}, {"a.html": entry(file)}, delete=False).reasons == {"a.html": "new"}


def test_manifest_entries_count_only_while_the_listing_shows_the_same_etag_and_size() -> None:
    a, b, c = local("a.html"), local("b.html"), local("c.html")
    manifest = {"a.html": entry(a), "b.html": entry(b), "c.html": entry(c)}
    listing = {
        "a.html": remote("a.html"),
        "b.html": remote("b.html", etag='"changed"'),
        "c.html": remote("c.html", size=11),
    }

    assert trusted_entries(manifest, listing) == {"a.html": entry(a)}


def test_head_only_objects_that_could_be_unchanged() -> None:
    files = [local("known.html"), local("resized.html", size=99), local("unknown.html"), local("new.html")]
    listing = {p: remote(p) for p in ("known.html", "resized.html", "unknown.html")}
    assert paths_to_head(files, listing, {"known.html": entry(files[0])}) == ["unknown.html"]


def test_only_unknown_activitypub_documents_are_read_to_spare_tombstones() -> None:
    listing = {p: remote(p) for p in ("ap/objects/c/gone.json", "ap/objects/c/known.json", "c/gone/index.html")}
    known = {"ap/objects/c/known.json": entry(local("ap/objects/c/known.json"), tombstone=True)}
    assert paths_to_inspect([], listing, known) == ["ap/objects/c/gone.json"]


def test_delete_spares_tombstones_and_without_delete_gone_objects_are_only_reported() -> None:
    listing = {p: remote(p) for p in ("ap/objects/c/old.json", "ap/objects/c/dead.json", "tag/x/index.html")}
    known = {"ap/objects/c/dead.json": entry(local("ap/objects/c/dead.json"), tombstone=True)}

    deleting = make_plan([], listing, known, delete=True)
    assert deleting.deletions == ("ap/objects/c/old.json", "tag/x/index.html")
    assert deleting.kept_tombstones == ("ap/objects/c/dead.json",)

    keeping = make_plan([], listing, known, delete=False)
    assert keeping.deletions == () and keeping.stale == ("ap/objects/c/old.json", "tag/x/index.html")


def test_pages_and_collections_go_up_after_the_files_they_point_to() -> None:
    paths = [
        "index.html",
        "ap/actors/c/outbox.json",
        "ap/objects/c/r.json",
        "c/files/w.pdf",
        "feeds/all.atom.xml",
        ".well-known/host-meta",
        "theme/css/lectern.css",
        "ap/creates/c/r.json",
    ]
    plan = make_plan([local(p) for p in paths], {}, {}, delete=False)

    first, second = waves(plan.uploads)
    assert [f.path for f in first] == [
        "ap/creates/c/r.json",
        "ap/objects/c/r.json",
        "c/files/w.pdf",
        "theme/css/lectern.css",
    ]
    assert [f.path for f in second] == [
        ".well-known/host-meta",
        "ap/actors/c/outbox.json",
        "feeds/all.atom.xml",
        "index.html",
    ]
    assert [f.path for f in plan.uploads] == [f.path for f in first + second]
