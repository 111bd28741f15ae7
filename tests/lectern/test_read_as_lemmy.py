"""What a collection sends its followers, read as Lemmy reads a community's posts (`lemmy_reader.py`, beside this
file, cites the Lemmy source of each rule): every new resource is a post of its community, titled with the resource's
title, linking the material from `attachment[0]`, by the site actor (a Service)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lectern.delivery_plan import plan_delivery
from lectern.generator.content_loader import load_site
from lectern.manifest import read_manifest
from lectern.settings import Settings
from lectern.site_paths import SitePaths
from tests.federation_shim.lemmy_reader import LemmyRejects, read_community_post


def loader(output: Path, paths: SitePaths) -> Any:
    def load(url: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((output / paths.output_file(url.split("#")[0])).read_text("utf-8"))
        return document

    return load


def delivered_to_collection_followers(settings: Settings, output: Path) -> list[dict[str, Any]]:
    """Every activity the shim would queue for a collection's followers if every resource were new."""
    manifest = read_manifest(output)
    load = loader(output, SitePaths(manifest.site_url))
    plan = plan_delivery(manifest, {}, False, load, datetime.now(UTC))
    return [p.activity for p in plan.activities if p.audience == "collection"]


def test_every_new_resource_is_a_post_of_its_community_as_lemmy_reads_it(built_site: tuple[Settings, Path]) -> None:
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    site, _problems = load_site(settings.content_dir)
    resources = {paths.page(r.key): r for r in site.resources}
    posts = []
    for activity in delivered_to_collection_followers(settings, output):
        if isinstance(activity["object"], dict):  # the group's Announce of the Page's Create
            posts.append(read_community_post(activity, loader(output, paths)))
        else:  # the boost of the Note for microblogs, which Lemmy refuses (announce.rs: CannotReceivePage)
            with pytest.raises(LemmyRejects):
                read_community_post(activity, loader(output, paths))
    assert len(posts) == len(site.resources) == 17
    for post, announce in zip(
        posts,
        [a for a in delivered_to_collection_followers(settings, output) if isinstance(a["object"], dict)],
        strict=True,
    ):
        resource = resources[announce["object"]["object"]["id"]]
        assert post.community == paths.actor(resource.collection)
        assert post.title == resource.title
        assert post.author == paths.actor(settings.site_actor)
        assert post.url == (resource.link or paths.file(resource.collection, resource.files[0]))


def test_lemmy_reads_the_collection_outbox_as_its_posts(built_site: tuple[Settings, Path]) -> None:
    """Lemmy fetches a community's outbox when it first sees it and imports the Announces of posts' Creates
    (crates/apub/objects/src/collections/community_outbox.rs)."""
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    page = loader(output, paths)(paths.outbox_page("python-basics", 1))
    titles = {read_community_post(item, loader(output, paths)).title for item in page["orderedItems"]}
    assert "Think Python, 2nd edition" in titles


def test_the_reader_refuses_what_lemmy_refuses(built_site: tuple[Settings, Path]) -> None:
    """The model is not a rubber stamp: the shapes Lectern used to send fail it."""
    settings, output = built_site
    paths = SitePaths(settings.site_url)
    load = loader(output, paths)
    announce = load(paths.group_announce("python-basics/think-python"))
    read_community_post(announce, load)
    note_inside = json.loads(json.dumps(announce))
    note_inside["object"]["object"]["type"] = "Note"
    by_group = json.loads(json.dumps(announce))
    by_group["object"]["object"]["attributedTo"] = paths.actor("python-basics")
    nowhere = json.loads(json.dumps(announce))
    nowhere["object"]["object"]["cc"] = []
    for broken, reason in ((note_inside, "comment"), (by_group, "UserTypes"), (nowhere, "InCommunity")):
        with pytest.raises(LemmyRejects, match=reason):
            read_community_post(broken, load)
