"""Golden files: each folder under golden/ is a small content repository; its expected.json is every ActivityPub
document the pure converters make of it. One test per folder. After a deliberate change, regenerate with
LECTERN_UPDATE_GOLDEN=1 and read the diff before committing it."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from lectern.generator.actors import collection_actor, site_actor
from lectern.generator.content_loader import load_site
from lectern.generator.objects import (
    resource_to_announce,
    resource_to_create,
    resource_to_group_announce,
    resource_to_note,
    resource_to_page,
)
from lectern.generator.outboxes import outbox_documents
from lectern.generator.publication_history import Publication
from lectern.settings import settings_from_mapping
from lectern.site_paths import SitePaths

GOLDEN = Path(__file__).parent / "golden"
PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\n(the instance's key)\n-----END PUBLIC KEY-----\n"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


def documents(case: Path) -> dict[str, Any]:
    settings = settings_from_mapping(
        {"SITEURL": "https://oer.example", "SITENAME": "Golden School", "LECTERN": {"OUTBOX_PAGE_SIZE": 2}},
        case / "pelicanconf.py",
    )
    paths = SitePaths(settings.site_url)
    site, problems = load_site(case / "content", reserved=frozenset({"library"}))
    assert problems == []
    out: dict[str, Any] = {"site_actor": site_actor(settings, PUBLIC_KEY, site.collections)}
    for collection in site.collections:
        resources = sorted(site.resources_of(collection.slug), key=lambda r: (r.added, r.key), reverse=True)
        published = min((r.added for r in resources), default=None)
        out[f"actor {collection.slug}"] = collection_actor(settings, collection, PUBLIC_KEY, published)
        shared = []
        for resource in resources:
            # published a week after the curator's `added`; the golden content has no git history
            publication = Publication(resource.added + timedelta(days=7))
            note = resource_to_note(resource, collection, paths, publication, "library")
            create = resource_to_create(note, paths, resource)
            shared.append(resource_to_group_announce(resource_to_page(note, paths, resource), paths, resource))
            out[f"note {resource.key}"] = note
            out[f"create {resource.key}"] = create
            out[f"announce {resource.key}"] = resource_to_announce(note, paths, resource)
        out[f"outbox {collection.slug}"] = outbox_documents(paths, collection.slug, shared, 2)
    return out


@pytest.mark.parametrize("case", CASES)
def test_content_becomes_the_expected_activitypub_documents(case: str) -> None:
    folder = GOLDEN / case
    actual = documents(folder)
    expected_file = folder / "expected.json"
    if os.environ.get("LECTERN_UPDATE_GOLDEN") == "1":
        expected_file.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert actual == expected
