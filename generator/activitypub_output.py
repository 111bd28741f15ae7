"""A site's ActivityPub documents as files: per resource its Note and the activities around it, per actor the actor,
its outbox and its following collection.

Per resource: the Note, the site actor's Create of it and the collection's Announce of it; the Page and the
collection's Announce of its Create (FEP-1b12); the documents of its conversation. The site actor's outbox holds
the Creates; each collection's, its Announces of the Pages' Creates (what Lemmy reads from a community's outbox).

All of it is made from the content model (`Site`), the publication history and the settings, never from Pelican's
articles, so a build makes them in a forked process (`write_activitypub_forked`, `generator.forked_work`) that
starts before Pelican reads a single article and runs on the other core while the build reads and renders the pages
(on a site of 1,000 resources, 0.42 s of the 1.94 s Pelican's run took, five files in six). Where the build cannot
fork, it writes them first, through the writer process (`generator.background_files`), which creates them while
the build goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lectern.build_cache import BuildCache
from lectern.generator import forked_work
from lectern.generator.actor_images import write_actor_images
from lectern.generator.actors import collection_actor, site_actor
from lectern.generator.background_files import DirectFiles
from lectern.generator.content_model import Resource, Site
from lectern.generator.delivery_output import told_hash
from lectern.generator.json_files import JsonFiles
from lectern.generator.note_interactions import conversation_documents
from lectern.generator.objects import (
    JSON,
    resource_to_announce,
    resource_to_create,
    resource_to_group_announce,
    resource_to_note,
    resource_to_page,
)
from lectern.generator.outboxes import empty_collection, outbox_item_text, outbox_texts
from lectern.generator.page_memo import resource_key
from lectern.generator.publication_history import PublicationHistory
from lectern.settings import Settings
from lectern.site_paths import SitePaths

__all__ = ["ActivityPubSite", "write_activitypub", "write_activitypub_forked"]

# what the build cache and the unchanged files learnt in the forked process, and the Notes' hashes
Learnt = tuple[Any, Any, dict[str, str]]


@dataclass(frozen=True)
class ActivityPubSite:
    """What the documents are made from."""

    site: Site
    settings: Settings
    paths: SitePaths
    history: PublicationHistory
    public_pem: str
    theme: Path


def write_activitypub(files: JsonFiles, output: Path, made: ActivityPubSite) -> None:
    """Write every resource's documents and every actor's (see the module docstring) through `files`."""
    paths, settings, site, history = made.paths, made.settings, made.site, made.history
    creates: list[tuple[tuple[Any, str], str]] = []  # (publication order, the Create as an outbox item)
    images = write_actor_images(output, site, settings.site_actor, settings.content_dir, made.theme)
    for collection in site.collections:
        resources = site.resources_of(collection.slug)
        shared: list[str] = []
        for resource in _by_publication(resources, history):
            publication = history.publications[resource.key]
            generation = publication.generation
            note = resource_to_note(resource, collection, paths, publication, settings.site_actor)
            create = resource_to_create(note, paths, resource, generation)
            page = resource_to_page(note, paths, resource, generation)
            group_announce = resource_to_group_announce(page, paths, resource, generation)
            announce = resource_to_announce(note, paths, resource, generation)
            conversation = conversation_documents(
                paths, resource.key, note["id"], paths.actor(settings.site_actor), resource.conversation
            )
            documents = (note, create, page, group_announce, announce, *conversation.values())
            files.write_memoised(
                resource_key(resource, collection, publication),
                [(paths.output_file(document["id"]), document) for document in documents],
            )
            shared.append(outbox_item_text(group_announce))
            creates.append((_publication_order(resource, history), outbox_item_text(create)))
        published = min((history.publications[r.key].published for r in resources), default=None)
        actor = collection_actor(settings, collection, made.public_pem, published, images[collection.slug])
        _write_actor(files, made, collection.slug, actor, shared)
    ordered = [create for _, create in sorted(creates, key=lambda p: p[0], reverse=True)]
    actor = site_actor(settings, made.public_pem, site.collections, images[settings.site_actor])
    _write_actor(files, made, settings.site_actor, actor, ordered)


def write_activitypub_forked(
    made: ActivityPubSite, output: Path, cache: BuildCache | None, unchanged: Any, hashes: dict[str, str]
) -> forked_work.ForkedWork[Learnt] | None:
    """`write_activitypub` in a forked process (None where the build cannot fork: then write them yourself). What
    the child records in `cache` and `unchanged` (an `lectern.incremental_output.UnchangedFiles`) reaches this
    process's copies at `wait()`, and so do the delivery manifest's hashes of the Notes, into `hashes` (the child
    reads the Notes back, not the build: `generator.delivery_output.manifest`)."""

    def in_child() -> Learnt:
        write_activitypub(JsonFiles(output, DirectFiles(unchanged), cache, unchanged), output, made)
        learnt = (cache.learnt() if cache else None, unchanged.learnt() if unchanged is not None else None)
        return (*learnt, note_hashes(made, output))

    def merge(learnt: Learnt) -> None:
        if cache is not None and learnt[0] is not None:
            cache.merge_learnt(learnt[0])
        if unchanged is not None and learnt[1] is not None:
            unchanged.merge_learnt(learnt[1])
        hashes.update(learnt[2])

    return forked_work.start(in_child, merge, len(made.site.resources))


def note_hashes(made: ActivityPubSite, output: Path) -> dict[str, str]:
    """The manifest's hash of each resource's Note, read back from `output` (`generator.delivery_output`)."""
    paths, publications = made.paths, made.history.publications
    return {
        r.key: told_hash((output / paths.output_file(paths.object(r.key, publications[r.key].generation))).read_bytes())
        for r in made.site.resources
    }


def _publication_order(resource: Resource, history: PublicationHistory) -> tuple[Any, str]:
    return (history.publications[resource.key].published, resource.key)


def _by_publication(resources: tuple[Resource, ...], history: PublicationHistory) -> list[Resource]:
    """Newest publication first: the order of outboxes (the pages keep the curator's `added` order)."""
    return sorted(resources, key=lambda r: _publication_order(r, history), reverse=True)


def _write_actor(files: JsonFiles, made: ActivityPubSite, name: str, actor: JSON, activities: list[str]) -> None:
    """The actor, its outbox of `activities` (serialised, `outbox_item_text`) and its following collection."""
    paths = made.paths
    files.write(paths.output_file(actor["id"]), actor)
    for identifier, text in outbox_texts(paths, name, activities, made.settings.outbox_page_size):
        files.write_text(paths.output_file(identifier), text)
    files.write(paths.output_file(paths.following(name)), empty_collection(paths.following(name)))
