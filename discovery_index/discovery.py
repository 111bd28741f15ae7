"""`lectern index add X`: from a handle or an address to the instance and the actors to follow.

    @fractions@oer.example.edu            WebFinger -> the actor; a collection (or any actor): follow it
    @library@oer.example.edu              WebFinger -> a Service on a Lectern site: follow every collection
    https://oer.example.edu               NodeInfo (software, name), then the site's `ap/webfinger.json` (every
                                          account and its type; Groups are collections)
    https://oer.example.edu/fractions/    WebFinger with the page or actor URL as resource (Lectern answers both),
                                          else the URL fetched as an ActivityPub document

A Lectern site without `ap/webfinger.json` is still found through its site actor: its outbox boosts every resource,
each `Announce` cc-ing the collection that posted it. Every actor found must live on the instance's host.
Handles are looked up over https; over http too only where private addresses are allowed (local tests).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from lectern.discovery_index.actor_record import is_actor
from lectern.discovery_index.backfill import outbox_pages
from lectern.discovery_index.errors import SourceError
from lectern.discovery_index.note_record import MAX_TITLE, ids_of, text_of, types_of
from lectern.discovery_index.records import InstanceRecord
from lectern.federation_shim import ConnectionFailed, FetchError, RemoteFetcher, server_of, web_url_problem
from lectern.site_paths import WEBFINGER_INDEX_FILE

logger = logging.getLogger(__name__)

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2."
ACTIVITY_TYPES = ("application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
SITE_ACTOR_TYPES = frozenset({"Service", "Application"})
MAX_OUTBOX_PAGES_FOR_DISCOVERY = 20
MAX_JSON_BYTES = 512 * 1024  # a WebFinger, NodeInfo or site index answer


@dataclass(frozen=True)
class Discovered:
    instance: InstanceRecord
    actors: tuple[str, ...]  # actor ids to follow, on the instance's host
    how: str  # a sentence for the report


@dataclass(frozen=True)
class Handle:
    name: str
    host: str


def parse_handle(text: str) -> Handle | None:
    handle = text.strip().removeprefix("acct:").removeprefix("@")
    name, at, host = handle.partition("@")
    if not at or not name or not host or "@" in host or "/" in host or " " in handle:
        return None
    return Handle(name, host.lower())


class Discoverer:
    def __init__(self, fetcher: RemoteFetcher, allow_private_addresses: bool) -> None:
        self.fetcher = fetcher
        self.allow_private = allow_private_addresses

    async def discover(self, source: str) -> Discovered:
        """Raises SourceError with what was tried."""
        try:
            handle = parse_handle(source)
            if handle is not None:
                base, actor_id = await self._webfinger_handle(handle)
                return await self._from_actor(base, actor_id)
            problem = web_url_problem(source.strip())
            if problem is not None:
                raise SourceError(f"{source!r} is neither a handle (@name@host) nor a usable address: {problem}")
            parts = urlsplit(source.strip())
            base = f"{parts.scheme}://{parts.netloc.lower()}"
            if parts.path in ("", "/"):
                return await self._from_site(base)
            return await self._from_actor(base, await self._actor_of_url(base, source.strip()))
        except FetchError as error:
            raise SourceError(f"{source}: {error}") from None

    async def _json(self, url: str) -> dict[str, Any]:
        """A plain JSON document (WebFinger, NodeInfo, a Lectern site's index), through the fetcher's guards."""
        return (await self.fetcher.fetch_json(url, max_bytes=MAX_JSON_BYTES)).document

    async def _webfinger(self, base: str, resource: str) -> str:
        answer = await self._json(f"{base}/.well-known/webfinger?resource={quote(resource, safe='@:/')}")
        links = answer.get("links")
        for link in links if isinstance(links, list) else []:
            if isinstance(link, dict) and link.get("rel") == "self" and link.get("type") in ACTIVITY_TYPES:
                href = link.get("href")
                if isinstance(href, str):
                    return href
        raise SourceError(f"WebFinger at {base} has no ActivityPub actor for {resource}")

    async def _webfinger_handle(self, handle: Handle) -> tuple[str, str]:
        schemes = ("https", "http") if self.allow_private else ("https",)
        for scheme in schemes:
            base = f"{scheme}://{handle.host}"
            try:
                return base, await self._webfinger(base, f"acct:{handle.name}@{handle.host}")
            except ConnectionFailed:
                if scheme == schemes[-1]:
                    raise
        raise SourceError(f"@{handle.name}@{handle.host} could not be looked up")  # pragma: no cover

    async def _actor_of_url(self, base: str, url: str) -> str:
        try:
            return await self._webfinger(base, url)
        except (FetchError, SourceError):
            return url

    async def _nodeinfo(self, base: str) -> tuple[str, str]:
        """(software name, node name) from NodeInfo 2.x; ('', '') when the server has none."""
        try:
            links = (await self._json(f"{base}/.well-known/nodeinfo")).get("links")
            for link in links if isinstance(links, list) else []:
                if isinstance(link, dict) and str(link.get("rel", "")).startswith(NODEINFO_SCHEMA):
                    info = await self._json(str(link.get("href")))
                    software = info.get("software")
                    metadata = info.get("metadata")
                    name = software.get("name") if isinstance(software, dict) else ""
                    node = metadata.get("nodeName") if isinstance(metadata, dict) else ""
                    return text_of(name, 100), text_of(node, MAX_TITLE)  # plain text, bounded: shown by the API
        except FetchError as error:
            logger.info("no NodeInfo at %s: %s", base, error)
        return "", ""

    async def _instance(self, base: str) -> InstanceRecord:
        software, name = await self._nodeinfo(base)
        return InstanceRecord(urlsplit(base).netloc.lower(), base, name or urlsplit(base).netloc, software)

    async def _lectern_accounts(self, base: str) -> dict[str, Any] | None:
        try:
            index = await self._json(f"{base}/{WEBFINGER_INDEX_FILE}")
        except FetchError as error:
            logger.info("no Lectern index at %s: %s", base, error)
            return None
        accounts = index.get("accounts")
        return accounts if isinstance(accounts, dict) else None

    async def _from_site(self, base: str) -> Discovered:
        instance = await self._instance(base)
        accounts = await self._lectern_accounts(base)
        if accounts is None:
            described = f"NodeInfo says {instance.software}" if instance.software else "it has no NodeInfo"
            raise SourceError(
                f"{base} is not a Lectern site ({described}, and there is no {WEBFINGER_INDEX_FILE}); "
                "add one of its actors by handle instead: lectern index add @name@host"
            )
        actors = self._collections(accounts, instance.host)
        return Discovered(instance, actors, f"{len(actors)} collections listed in {base}/{WEBFINGER_INDEX_FILE}")

    @staticmethod
    def _collections(accounts: dict[str, Any], host: str) -> tuple[str, ...]:
        found = []
        for account in accounts.values():
            if isinstance(account, dict) and account.get("type") == "Group":
                actor = account.get("actor")
                if isinstance(actor, str) and server_of(actor) == host:
                    found.append(actor)
        return tuple(sorted(found))

    async def _from_actor(self, base: str, actor_id: str) -> Discovered:
        document = (await self.fetcher.fetch(actor_id)).document
        if not is_actor(document):
            raise SourceError(f"{actor_id} is a {document.get('type')!r}, not an actor")
        host = server_of(actor_id)
        base = f"{urlsplit(actor_id).scheme}://{host}"
        instance = await self._instance(base)
        if not types_of(document) & SITE_ACTOR_TYPES:
            return Discovered(instance, (actor_id,), f"the actor {actor_id}")
        accounts = await self._lectern_accounts(base)
        if accounts is not None:
            actors = self._collections(accounts, host)
            return Discovered(instance, actors, f"{len(actors)} collections of the site actor {actor_id}")
        announced = await self._announced_actors(document, host)
        if announced:
            return Discovered(instance, announced, f"{len(announced)} actors boosted by {actor_id}")
        return Discovered(instance, (actor_id,), f"the actor {actor_id}")

    async def _announced_actors(self, site_actor: dict[str, Any], host: str) -> tuple[str, ...]:
        """Actors on `host` that the site actor posts in: the `audience` (FEP-1b12 group) of its Creates, or what its
        Announces cc (older Lectern sites cc the collection that posted)."""
        outbox = site_actor.get("outbox")
        if not isinstance(outbox, str):
            return ()
        followers = {site_actor.get("followers")}
        found: dict[str, None] = {}
        async for items in outbox_pages(self.fetcher, outbox, max_pages=MAX_OUTBOX_PAGES_FOR_DISCOVERY):
            for item in items:
                if not isinstance(item, dict):
                    continue
                if "Announce" in types_of(item):  # an older Lectern: the site actor boosted each collection's post
                    addresses = ids_of(item.get("cc"))
                elif "Create" in types_of(item):  # FEP-1b12: the site actor posts in each collection's group
                    posted = item.get("object")
                    addresses = ids_of(item.get("audience")) + ids_of(
                        posted.get("audience") if isinstance(posted, dict) else None
                    )
                else:
                    continue
                for address in addresses:
                    if server_of(address) == host and address not in followers and address != site_actor["id"]:
                        found[address] = None
        actors = []
        for candidate in found:
            try:
                if is_actor((await self.fetcher.fetch(candidate)).document):
                    actors.append(candidate)
            except FetchError:
                continue
        return tuple(actors)
