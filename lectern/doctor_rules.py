"""Rules every ActivityPub document of a site must follow, whatever its type: its `id` is the URL it is served at,
it lives on the site's host with its actor, and it is small enough for Mastodon to read. `check_document` runs these
and, by type, the Note rules (`lectern.doctor_note_rules`) and the actor rules (`lectern.doctor_actor_rules`).

Each rule is a pure function `(Document, SiteView) -> list[Problem]` whose docstring names the server code it mirrors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lectern.doctor_actor_rules import ACTOR_RULES, ACTOR_TYPES
from lectern.doctor_model import JSON, Document, Problem, SiteView, as_list
from lectern.doctor_note_rules import NOTE_RULES
from lectern.federation_shim import host_of, id_of

Rule = Callable[[Document, SiteView], list[Problem]]

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/"
FETCH_LIMIT = 1_048_576  # Mastodon's Request::ClientLimit#body_with_limit(limit = 1.megabyte)


def id_is_its_url(doc: Document, site: SiteView) -> list[Problem]:
    """The document's `id` is exactly the URL it is served at.

    Mastodon: app/helpers/jsonld_helper.rb, `fetch_resource` keeps a fetched document only if
    `json['id'] == uri`; a Note or actor whose id points elsewhere is refetched from there, or dropped.
    """
    found = doc.json.get("id")
    if not isinstance(found, str) or not found:
        return [Problem(doc.path, "id", "the document has no id", f"give it the URL it is served at, {doc.url}")]
    if found != doc.url:
        return [
            Problem(
                doc.path,
                "id",
                f"the id is {found} but the document is served at {doc.url}",
                "build with the site's public address (--site-url or LECTERN_SITE_URL) so ids match where files live",
            )
        ]
    return []


def on_the_actors_host(doc: Document, site: SiteView) -> list[Problem]:
    """The document and the actor it speaks for are on the site's host.

    Mastodon: app/lib/activitypub/activity/create.rb, `perform` returns early on `invalid_origin?(@object['id'])`
    (the object's host differs from the sending actor's); app/helpers/jsonld_helper.rb `non_matching_uri_hosts?`
    is the same comparison for other activities. Lemmy: crates/apub/objects/src/objects/post.rs, `verify` calls
    `verify_domains_match(page.creator()?.inner(), page.id.inner())`.
    """
    problems: list[Problem] = []
    doc_id = doc.json.get("id")
    if isinstance(doc_id, str) and doc_id and host_of(doc_id) != site.hostname:
        problems.append(
            Problem(
                doc.path,
                "origin",
                f"the id {doc_id} is not on this site's host {site.hostname}",
                "every id must start with the site URL; rebuild with the right --site-url",
            )
        )
    for key in ("actor", "attributedTo"):
        for value in as_list(doc.json.get(key)):
            owner = id_of(value)
            if owner and isinstance(doc_id, str) and host_of(owner) != host_of(doc_id):
                problems.append(
                    Problem(
                        doc.path,
                        "origin",
                        f"{key} {owner} is on another host than the document {doc_id}",
                        "Mastodon and Lemmy drop an object whose author is on another host: attribute it to an actor "
                        "of this site",
                    )
                )
    return problems


def within_the_fetch_limit(doc: Document, site: SiteView) -> list[Problem]:
    """The document is at most 1 MiB.

    Mastodon: app/lib/request.rb, `ClientLimit#body_with_limit(limit = 1.megabyte)` raises
    `Mastodon::LengthValidationError` past it, and app/helpers/jsonld_helper.rb reads every fetch through it.
    """
    if doc.size > FETCH_LIMIT:
        return [
            Problem(
                doc.path,
                "size",
                f"the document is {doc.size:,} bytes, over the 1,048,576 Mastodon reads",
                "shorten it (fewer items per outbox page: OUTBOX_PAGE_SIZE; a shorter description)",
            )
        ]
    return []


DOCUMENT_RULES: tuple[Rule, ...] = (id_is_its_url, on_the_actors_host, within_the_fetch_limit)


def check_document(doc: Document, site: SiteView) -> list[Problem]:
    """Every rule that applies to `doc`: the document rules, then the Note or actor rules by its type."""
    rules = list(DOCUMENT_RULES)
    kind = doc.json.get("type")
    if kind == "Note":
        rules.extend(NOTE_RULES)
    elif kind in ACTOR_TYPES:
        rules.extend(ACTOR_RULES)
    return [problem for rule in rules for problem in rule(doc, site)]


def nodeinfo_lists_both_versions(path: str, links: JSON | None, site: SiteView) -> list[Problem]:
    """/.well-known/nodeinfo links NodeInfo 2.0 and 2.1, and both documents exist.

    Misskey: packages/backend/src/core/FetchInstanceMetadataService.ts, `fetchNodeinfo` takes the 2.1 link, else
    2.0, else 1.0, and records no software for a server without one; readers written before 2.1 (2.0 only) are
    still common, so both are listed, as Misskey's own packages/backend/src/server/NodeinfoServerService.ts
    (`getLinks`) does.
    """
    if links is None:
        return [Problem(path, "nodeinfo", "the file is missing", "rebuild: the build writes it")]
    hrefs = {
        str(link.get("rel", "")).removeprefix(NODEINFO_SCHEMA): link.get("href")
        for link in as_list(links.get("links"))
        if isinstance(link, dict)
    }
    problems: list[Problem] = []
    for version in ("2.0", "2.1"):
        href = hrefs.get(version)
        if not isinstance(href, str) or not href:
            problems.append(
                Problem(
                    path,
                    "nodeinfo",
                    f"no link to NodeInfo {version} ({NODEINFO_SCHEMA}{version})",
                    f"list nodeinfo/{version}.json beside the other version",
                )
            )
        elif not site.exists(href):
            problems.append(Problem(path, "nodeinfo", f"NodeInfo {version} at {href} does not exist", "rebuild"))
    return problems


def check_site(documents: Iterable[Document], site_url: str, exists: Callable[[str], bool]) -> list[Problem]:
    """Every document's problems, with the site's actors (found among `documents`) known to the rules."""
    documents = list(documents)
    actors = {
        str(doc.json["id"]): doc.json
        for doc in documents
        if doc.json.get("type") in ACTOR_TYPES and isinstance(doc.json.get("id"), str)
    }
    site = SiteView(site_url, actors, exists)
    return [problem for doc in documents for problem in check_document(doc, site)]
