"""The search page: one HTML form and its results, in the site theme's look, with no JavaScript.

A GET form (words, and a select per facet with its counts) that works in any browser; each result is a card as on
a Lectern site (`themes/lectern`'s `resource-card`, chips, license label) whose title links to the resource's page on
its own site. The stylesheet is the theme's own `lectern.css` (read at start from `IndexConfig.theme_css`) followed
by the few rules this page adds, served from the index itself: no external files. Every value shown comes from
remote servers and is escaped; links are http(s) only (checked when indexed).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import urlencode

from lectern.discovery_index.licenses import license_label
from lectern.discovery_index.search_feed import search_path
from lectern.discovery_index.storage import FACETS, MARK_END, MARK_START, MAX_OFFSET, Hit, SearchQuery, SearchResults

DEFAULT_LIMIT = 20
LABELS = {
    "license": ("License", "Any license"),
    "language": ("Language", "Any language"),
    "level": ("Level", "Any level"),
    "type": ("Type", "Any type"),
    "subject": ("Subject", "Any subject"),
    "instance": ("Site", "Every site"),
}

PAGE_CSS = """
/* The discovery index's own rules, after the theme's */
.search-form { display: grid; gap: .8rem 1rem; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
  align-items: end; background: var(--surface-2, #f0ede5); border: 1px solid var(--border, #d9d3c6);
  border-radius: var(--radius, 12px); padding: 1rem; margin-bottom: 1rem; }
.search-form .field-search { grid-column: 1 / -1; }
.search-form .search-row { display: flex; gap: .5rem; }
.search-form .search-row input { flex: 1; min-width: 0; }
.search-form select { width: 100%; }
.result-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 1rem; }
.result-list .card-summary mark { background: var(--accent-soft, #e3eef6); color: inherit; font-weight: 650;
  padding: 0 .1em; border-radius: 3px; }
.result-source { color: var(--muted, #4d5866); font-size: .92rem; margin: .2rem 0 .6rem; }
.result-source a { position: relative; z-index: 1; }
.pager { display: flex; justify-content: space-between; gap: 1rem; margin-top: 1.5rem; }
.matched-any, .did-you-mean { color: var(--muted, #4d5866); }
.also-in { font-size: .92rem; margin: .4rem 0 0; }
.also-in a { position: relative; z-index: 1; }
.listing { list-style: none; margin: 0; padding: 0; display: grid; gap: 1rem; }
"""

FALLBACK_THEME_CSS = """
:root { --bg: #f7f5f0; --surface: #fff; --surface-2: #f0ede5; --fg: #1c2430; --muted: #4d5866; --border: #d9d3c6;
  --accent: #1f5f8b; --accent-soft: #e3eef6; --chip: #eef1f4; --radius: 12px; }
body { margin: 0; font-family: system-ui, sans-serif; line-height: 1.6; color: var(--fg); background: var(--bg); }
.wrap { max-width: 74rem; margin: 0 auto; padding: 0 1rem; }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 1rem; }
.chips { display: flex; flex-wrap: wrap; gap: .4rem; margin: 0; } .chips dd { margin: 0; }
.chip { background: var(--chip); border-radius: 999px; padding: .1rem .6rem; font-size: .85rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
"""


def stylesheet(theme_css: Path | None) -> str:
    """The theme's CSS (or a small stand-in when the index runs without the theme) and this page's rules."""
    try:
        theme = theme_css.read_text(encoding="utf-8") if theme_css else FALLBACK_THEME_CSS
    except OSError:
        theme = FALLBACK_THEME_CSS
    return theme + "\n" + PAGE_CSS


def highlighted(snippet: str) -> str:
    """The snippet escaped, its matched words in <mark>."""
    return escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def facet_label(facet: str, value: str) -> str:
    return license_label(value) if facet == "license" else value


def _select(facet: str, results: SearchResults, query: SearchQuery) -> str:
    label, any_label = LABELS[facet]
    chosen = query.filters.get(facet, ())
    options = [f'<option value="">{escape(any_label)}</option>']
    shown = {count.value: count.count for count in results.facets.get(facet, [])}
    for value in [*chosen, *(v for v in shown if v not in chosen)]:
        count = f" ({shown[value]})" if value in shown else ""
        selected = " selected" if value in chosen else ""
        options.append(f'<option value="{escape(value)}"{selected}>{escape(facet_label(facet, value))}{count}</option>')
    return (
        f'<div class="field"><label for="f-{facet}">{label}</label>'
        f'<select id="f-{facet}" name="{facet}">{"".join(options)}</select></div>'
    )


def _card(hit: Hit) -> str:
    r = hit.record
    lang = f' lang="{escape(r.language)}"' if r.language else ""
    chips = [("Type", r.resource_type), ("Level", ", ".join(r.levels)), ("Language", r.language)]
    chips.append(("License", license_label(r.license) if r.license else ""))
    chip_html = "".join(
        f'<div class="chip{" chip-type" if name == "Type" else ""}"><dt class="visually-hidden">{name}</dt>'
        f"<dd>{escape(value)}</dd></div>"
        for name, value in chips
        if value
    )
    source = escape(hit.collection_name or r.collection)
    collection = f'<a href="{escape(hit.collection_url)}">{source}</a>' if hit.collection_url else source
    copies = ", ".join(
        f'<a href="{escape(copy.url)}">{escape(copy.collection_name or copy.title)}</a> · {escape(copy.instance)}'
        for copy in hit.also_in
    )
    also_in = f'<p class="also-in">Also in: {copies}</p>' if copies else ""
    return (
        f'<li><article class="card resource-card"><h3 class="card-title"{lang}>'
        f'<a href="{escape(r.url)}">{escape(r.title)}</a></h3>'
        f'<p class="result-source">{collection} · {escape(r.instance)}'
        f"{' · updated ' + escape(r.updated[:10]) if r.updated else ''}</p>"
        f'<p class="card-summary"{lang}>{highlighted(hit.snippet)}</p>'
        f'<dl class="chips">{chip_html}</dl>{also_in}</article></li>'
    )


def search_link(query: SearchQuery, offset: int, text: str | None = None) -> str:
    """The address of `query` at `offset` with every parameter kept (words, filters, limit)."""
    words = query.text if text is None else text
    params = [("q", words)] if words else []
    params += [(facet, value) for facet in FACETS for value in query.filters.get(facet, ())]
    params += [("limit", str(query.limit))] if query.limit != DEFAULT_LIMIT else []
    params += [("offset", str(offset))] if offset else []
    return "/search?" + urlencode(params)


def _page_link(query: SearchQuery, offset: int, text: str, rel: str) -> str:
    return f'<a class="button button-quiet" rel="{rel}" href="{escape(search_link(query, offset))}">{text}</a>'


def page_shell(title: str, heading: str, css_url: str, main: str, head: str = "") -> str:
    """The page around `main`: the theme's header with the index's navigation, and its footer."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(heading)}</title>"
        '<meta name="color-scheme" content="light dark">'
        f'<link rel="stylesheet" href="{escape(css_url)}">{head}</head><body>'
        '<a class="skip-link" href="#main">Skip to content</a>'
        '<header class="site-header"><div class="wrap header-inner">'
        f'<a class="site-name" href="/"><span>{escape(title)}</span></a>'
        '<nav class="site-nav" aria-label="Index"><a href="/">Search</a> <a href="/sites">Sites</a> '
        '<a href="/collections">Collections</a></nav></div></header>'
        f'<main id="main" tabindex="-1"><div class="wrap">{main}</div></main>'
        '<footer class="site-footer"><div class="wrap footer-inner"><p>Each result links to its own site; every '
        "resource keeps its own license: check it before you reuse the material.</p></div></footer></body></html>"
    )


def render_search_page(
    title: str, query: SearchQuery, results: SearchResults, css_url: str, follow: tuple[str, str] | None = None
) -> str:
    """The search page; `follow`: the search's handle and actor id, when it can be followed."""
    form = (
        '<form class="search-form" role="search" action="/search" method="get">'
        '<div class="field field-search"><label for="q">Search every followed Lectern site</label>'
        '<div class="search-row"><input id="q" type="search" name="q" '
        f'value="{escape(query.text)}" placeholder="fractions, photosynthesis, python…">'
        '<button type="submit" class="button">Search</button></div></div>'
        f"{''.join(_select(facet, results, query) for facet in FACETS)}</form>"
    )
    shown_to = query.offset + len(results.hits)
    words = "resource" if results.total == 1 else "resources"
    count = f"{results.total:,} {words}" + (f", {query.offset + 1}–{shown_to} shown" if results.hits else "")
    note = (
        '<p class="matched-any">No resource has every word; these have at least one.</p>'
        if results.matched == "any"
        else ""
    )
    items = "".join(_card(hit) for hit in results.hits)
    listing = (
        f'<ul class="result-list" role="list">{items}</ul>' if items else '<p class="no-results">Nothing found.</p>'
    )
    if results.suggestion:
        corrected = search_link(query, 0, results.suggestion)
        note += (
            f'<p class="did-you-mean">Nothing matched “{escape(query.text)}”. Did you mean '
            f'<a href="{escape(corrected)}">{escape(results.suggestion)}</a>? Its results are shown.</p>'
        )
    pager = []
    if query.offset > 0:
        pager.append(_page_link(query, max(0, query.offset - query.limit), "Previous", "prev"))
    if results.more and shown_to <= MAX_OFFSET:
        pager.append(_page_link(query, shown_to, "Next", "next"))
    heading = f"{query.text} · {title}" if query.text else title
    main = (
        f"<h1>{escape(title)}</h1>{form}"
        f'<p class="result-count" role="status">{count}</p>{note}{listing}'
        f'<nav class="pager" aria-label="Pages">{"".join(pager)}</nav>'
    )
    feed = escape(search_path(query, "/search.atom"))
    head = f'<link rel="alternate" type="application/atom+xml" title="{escape(heading)}" href="{feed}">'
    if follow is None:
        offer = f'<p class="follow-search">New resources that match: <a href="{feed}">Atom feed</a></p>'
    else:
        handle, actor = follow
        head += f'<link rel="alternate" type="application/activity+json" href="{escape(actor)}">'
        offer = (
            '<p class="follow-search">Follow this search from your Fediverse account: search for '
            f"<code>{escape(handle)}</code> in your app, and each new resource that matches will be boosted into "
            f'your home timeline. Or use its <a href="{feed}">Atom feed</a>.</p>'
        )
    return page_shell(title, heading, css_url, main + offer, head)
