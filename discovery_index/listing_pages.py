"""The HTML pages listing what the index follows: `/sites` (one card per site) and `/collections` (per collection,
optionally of one site), the same data as `/api/sites` and `/api/collections`. Every value is escaped; links are
http(s) only (checked when the actor was recorded)."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from lectern.discovery_index.search_page import page_shell
from lectern.discovery_index.storage import CollectionSummary, InstanceSummary


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def render_sites_page(title: str, sites: list[InstanceSummary], css_url: str) -> str:
    cards = "".join(
        '<li><article class="card"><h2 class="card-title">'
        f'<a href="{escape(s.instance.base_url)}">{escape(s.instance.name or s.instance.host)}</a></h2>'
        f"<p>{escape(s.instance.host)}{' · ' + escape(s.instance.software) if s.instance.software else ''}</p>"
        f'<p><a href="/collections?{escape(urlencode({"instance": s.instance.host}))}">'
        f"{_plural(s.collections, 'collection')}</a> · "
        f'<a href="/search?{escape(urlencode({"instance": s.instance.host}))}">{_plural(s.resources, "resource")}</a>'
        "</p></article></li>"
        for s in sites
    )
    listing = f'<ul class="listing" role="list">{cards}</ul>' if cards else "<p>No site is followed yet.</p>"
    return page_shell(title, f"Sites · {title}", css_url, f"<h1>Sites</h1>{listing}")


def render_collections_page(title: str, collections: list[CollectionSummary], instance: str, css_url: str) -> str:
    cards = "".join(
        '<li><article class="card"><h2 class="card-title">'
        f'<a href="{escape(c.collection.url)}">{escape(c.collection.name or c.collection.handle)}</a></h2>'
        f"<p>{escape(c.collection.handle)}{' · ' + escape(c.collection.curator) if c.collection.curator else ''}</p>"
        f"{'<p>' + escape(c.collection.summary) + '</p>' if c.collection.summary else ''}"
        f'<p><a href="/search?{escape(urlencode({"instance": c.collection.instance}))}">'
        f"{_plural(c.resources, 'resource')}</a> on {escape(c.collection.instance)}</p></article></li>"
        for c in collections
    )
    heading = f"Collections on {instance}" if instance else "Collections"
    listing = f'<ul class="listing" role="list">{cards}</ul>' if cards else "<p>No collection is followed here.</p>"
    return page_shell(title, f"{heading} · {title}", css_url, f"<h1>{escape(heading)}</h1>{listing}")
