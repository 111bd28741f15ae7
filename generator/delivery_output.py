"""What the shim needs to tell followers about changes: tombstones for deleted resources, and the build manifest.

Runs after `LecternGenerator` (it reads the content model that generator put in the context, and the object files it
wrote). It writes, for every deleted resource (see `generator.tombstones`), a `Tombstone` at the object's id and a
"gone" page at its HTML address; and `ap/manifest.json`: every live resource with the ids of its object, Create and
Announce, its `updated`, and a hash of its rendered object, plus the tombstones. The shim compares the manifest with
what it has delivered to derive Create, Update and Delete (`lectern.delivery_plan`); `lectern.manifest` owns its form.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from pelican.generators import Generator

from lectern.federation_shim import timestamp
from lectern.federation_shim import tombstone as tombstone_of
from lectern.generator.content_model import Site
from lectern.generator.json_files import json_text
from lectern.generator.note_interactions import told_form
from lectern.generator.objects import note_dates
from lectern.generator.publication_history import PublicationHistory
from lectern.generator.theme_output import render_gone_page
from lectern.generator.tombstones import CollectionTombstone, Tombstone
from lectern.manifest import Manifest, ManifestItem, ManifestTombstone, write_manifest
from lectern.site_paths import SitePaths
from lectern.vocabulary import ACTIVITYSTREAMS, OBJECT_CONTEXT


def tombstone_document(paths: SitePaths, gone: Tombstone) -> dict[str, Any]:
    return tombstone_of(
        paths.object(gone.key, gone.generation),
        "Note",
        timestamp(gone.deleted),
        context=OBJECT_CONTEXT,
        url=paths.resource_page(gone.key),
    )


def collection_tombstone_document(paths: SitePaths, collection: CollectionTombstone) -> dict[str, Any]:
    """What a removed collection's actor id answers: it was a Group, and when it went."""
    return tombstone_of(
        paths.actor(collection.slug),
        "Group",
        timestamp(collection.deleted),
        context=ACTIVITYSTREAMS,
        url=paths.collection_page(collection.slug),
    )


def told_hash(rendered: bytes) -> str:
    """The manifest's hash of a Note file's bytes: of the Note as followers are told about it (`told_form`)."""
    return hashlib.sha256(json_text(told_form(json.loads(rendered))).encode("utf-8")).hexdigest()


def manifest(
    paths: SitePaths,
    site: Site,
    site_actor: str,
    output: Path,
    history: PublicationHistory,
    hashes: Mapping[str, str] | None = None,
) -> Manifest:
    """The contract between build and shim (`lectern.manifest`): every live resource with the ids of its documents and
    a hash of its Note, and every removed generation (`lectern.delivery_plan` reads it). `hashes`: the Notes' hashes
    by resource key, already made where the Notes were written (`generator.activitypub_output`); a Note without one
    is read back from `output`."""
    items = []
    hashes = hashes or {}
    publications = history.publications
    for resource in sorted(site.resources, key=lambda r: (publications[r.key].published, r.key)):
        generation = publications[resource.key].generation
        object_id = paths.object(resource.key, generation)
        told = hashes.get(resource.key) or told_hash((output / paths.output_file(object_id)).read_bytes())
        published, updated = note_dates(resource, publications[resource.key])
        items.append(
            ManifestItem(
                key=resource.key,
                collection=resource.collection,
                generation=generation,
                object=object_id,
                create=paths.create(resource.key, generation),
                page=paths.page(resource.key, generation),
                group_announce=paths.group_announce(resource.key, generation),
                announce=paths.announce(resource.key, generation),
                published=published,
                updated=updated or published,
                hash=told,
            )
        )
    live = {c.slug for c in site.collections} | {c.slug for c in history.removed_collections}
    return Manifest(
        site_url=paths.site_url,
        site_actor=site_actor,
        collections=tuple(sorted(collection.slug for collection in site.collections)),
        items=tuple(items),
        tombstones=tuple(
            ManifestTombstone(
                t.key, t.collection, t.generation, paths.object(t.key, t.generation), timestamp(t.deleted)
            )
            for t in history.tombstones
            if t.collection in live
        ),
    )


def gone_page_fallback(title: str, collection_url: str, kind: str = "resource") -> str:
    """`collection_url`: the collection a removed resource was in, or the home page for a removed collection."""
    where = "in this collection" if kind == "resource" else "on this site"
    link = "See the collection" if kind == "resource" else "Go to the home page"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Gone: {escape(title)}</title></head>'
        f"<body><main><h1>This {kind} was removed</h1><p>{escape(title)} is no longer {where}.</p>"
        f'<p><a href="{escape(collection_url)}">{link}</a></p></main></body></html>\n'
    )


class DeliveryFilesGenerator(Generator):  # type: ignore[misc]
    """Writes tombstones, gone pages and the manifest; see the module docstring."""

    def generate_context(self) -> None:
        pass

    def generate_output(self, writer: Any) -> None:
        site: Site | None = self.context.get("lectern_site")
        settings = self.settings.get("LECTERN_RUNTIME")
        if site is None or settings is None:
            return
        output = Path(self.output_path)
        paths = SitePaths(settings.site_url)
        history: PublicationHistory = self.context["lectern_history"]
        live_keys = {r.key for r in site.resources}
        known = {c.slug for c in site.collections} | {c.slug for c in history.removed_collections}
        tombstones = [t for t in history.tombstones if t.collection in known]
        removed = history.removed_collections
        documents = [tombstone_document(paths, t) for t in tombstones]
        documents += [{**document, "id": paths.page_of(document["id"]), "formerType": "Page"} for document in documents]
        documents += [collection_tombstone_document(paths, c) for c in removed]
        for document in documents:
            target = output / paths.output_file(document["id"])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json_text(document), encoding="utf-8")
        entries = {e["collection"].slug: e for e in self.context.get("lectern_collections", [])}
        gone = {t.key: t for t in tombstones if t.key not in live_keys}  # the latest removal of each key
        for tombstone in gone.values():
            self._write_gone_page(
                paths,
                paths.resource_page(tombstone.key),
                tombstone.title,
                entries.get(tombstone.collection),
                paths.collection_page(tombstone.collection),
            )
        for collection in removed:
            self._write_gone_page(
                paths,
                paths.collection_page(collection.slug),
                collection.title,
                None,
                paths.site_url + "/",
                "collection",
            )
        hashes = self.context.get("lectern_note_hashes")
        write_manifest(output, manifest(paths, site, settings.site_actor, output, history, hashes))

    def _write_gone_page(
        self, paths: SitePaths, page_url: str, title: str, entry: Any, fallback_link: str, kind: str = "resource"
    ) -> None:
        """The "gone" page at `page_url`; `entry` is the `lectern_collections` entry a removed resource was in (None
        when that collection is gone too), `fallback_link` where a theme without gone.html links to."""
        target = Path(self.output_path) / paths.output_file(page_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            template = self.get_template("gone")
        except Exception:  # a theme without gone.html: a plain page still says what happened
            html = gone_page_fallback(title, fallback_link, kind=kind)
        else:
            html = render_gone_page(template, self.context, title, entry, kind=kind)
        target.write_text(html, encoding="utf-8")


def get_generators(_pelican: Any) -> type[Generator]:
    return DeliveryFilesGenerator
