"""`lectern doctor --url`: fetch a live site the way a follower's server does, then check what it serves.

Starting from the home page, it follows each page's `rel=alternate` link to its JSON twin, each actor's outbox,
pages and items, each Note's author, audience and page, WebFingers every actor, and reads the NodeInfo links. Nothing
follows a redirect (a server fetching an id must get it at that id). Only the site's own URLs are fetched.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import deque
from ipaddress import ip_address
from typing import Any
from urllib.parse import quote, urlsplit

from lectern.doctor_actor_rules import ACTOR_TYPES
from lectern.doctor_model import Document, Problem, SiteView, as_list
from lectern.doctor_rules import check_site, nodeinfo_lists_both_versions
from lectern.doctor_served_rules import (
    Answer,
    alternate_links,
    cached,
    links_its_twin,
    served_as_activity_json,
    served_as_jrd,
    served_without_redirect,
    webfinger_round_trip,
)
from lectern.federation_shim import id_of
from lectern.site_paths import ACTOR_PREFIX

# What Mastodon sends (app/services/fetch_resource_service.rb ACCEPT_HEADER, without text/html).
ACCEPT_ACTIVITY = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
ACCEPT_JRD = "application/jrd+json, application/json"
ACCEPT_HTML = "text/html"
MAX_DOCUMENTS = 20_000  # a bound on the crawl, far above any real site
TIMEOUT = 15.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx reaches the caller as an HTTPError, to be reported


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class Fetcher:
    """GETs (and HEADs) without following redirects; a loopback site is reached directly, others through the
    environment's proxy as any other client would. Answers are remembered per URL and Accept."""

    def __init__(self, site_url: str, timeout: float = TIMEOUT) -> None:
        proxies: dict[str, str] | None = {} if _is_loopback(urlsplit(site_url).hostname or "") else None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler(proxies), _NoRedirect())
        self._timeout = timeout
        self._answers: dict[tuple[str, str, str], Answer] = {}

    def get(self, url: str, accept: str, method: str = "GET") -> Answer:
        key = (method, url, accept)
        if key not in self._answers:
            self._answers[key] = self._request(url, accept, method)
        return self._answers[key]

    def _request(self, url: str, accept: str, method: str) -> Answer:
        request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "lectern-doctor"}, method=method)
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                headers = {name.lower(): value for name, value in response.headers.items()}
                return Answer(url, response.status, headers, response.read())
        except urllib.error.HTTPError as error:
            headers = {name.lower(): value for name, value in error.headers.items()}
            return Answer(url, error.code, headers, error.read() if method == "GET" else b"")
        except (urllib.error.URLError, OSError, ValueError) as error:
            return Answer(url, 0, {}, b"", str(getattr(error, "reason", error)))

    def exists(self, url: str) -> bool:
        answer = self.get(url, "*/*", method="HEAD")
        if answer.status in (405, 501):
            answer = self.get(url, "*/*")
        return answer.status == 200


class _Crawl:
    def __init__(self, site_url: str, fetcher: Fetcher) -> None:
        self.site = SiteView(site_url)
        self.fetcher = fetcher
        self.problems: list[Problem] = []
        self.documents: dict[str, Document] = {}
        self.pages: dict[str, str] = {}  # HTML page -> the id of the twin it must link
        self.queue: deque[str] = deque()
        self.seen: set[str] = set()

    def want(self, value: Any) -> None:
        url = id_of(value)
        if url and "#" in url:  # an embedded part of a document (a Page's Create, an Update): not fetched alone
            return
        if url and self.site.is_local(url) and url not in self.seen and len(self.seen) < MAX_DOCUMENTS:
            self.seen.add(url)
            self.queue.append(url)

    def run(self, site_actor: str | None) -> None:
        home = self.site.url_of("/")
        answer = self.fetcher.get(home, ACCEPT_HTML)
        self.problems.extend(served_without_redirect(answer))
        for href in alternate_links(answer.body.decode("utf-8", errors="replace"))[:1]:
            self.pages[home] = href
            self.want(href)
        if answer.status == 200 and home not in self.pages:
            self.problems.append(
                Problem(home, "alternate", "the home page links no ActivityPub twin", "link the site actor")
            )
        if site_actor:  # reached even when the home page fails
            self.want(self.site.url_of(f"/{ACTOR_PREFIX}{site_actor}.json"))
        while self.queue:
            self.visit(self.queue.popleft())

    def visit(self, url: str) -> None:
        answer = self.fetcher.get(url, ACCEPT_ACTIVITY)
        redirect = served_without_redirect(answer)
        if redirect:
            self.problems.extend(redirect)
            return
        self.problems.extend(served_as_activity_json(answer) + cached(answer))
        try:
            value = json.loads(answer.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            self.problems.append(Problem(url, "json", f"not readable as JSON: {error}", "publish the build again"))
            return
        if not isinstance(value, dict):
            return
        self.documents[url] = Document(url, url, value, len(answer.body))
        self.follow_links(url, value)

    def follow_links(self, url: str, value: dict[str, Any]) -> None:
        kind = value.get("type")
        if kind in ACTOR_TYPES:
            for key in ("outbox", "following", "followers"):
                self.want(value.get(key))
            self.want_page(value.get("url"), url)
            self.finger(value)
        elif kind in ("OrderedCollection", "Collection", "OrderedCollectionPage", "CollectionPage"):
            self.want(value.get("first"))
            self.want(value.get("next"))
            for item in as_list(value.get("orderedItems")) + as_list(value.get("items")):
                self.want(item)
                if isinstance(item, dict):
                    self.want(item.get("object"))
        elif kind in ("Create", "Announce", "Update"):
            self.want(value.get("object"))
        elif kind == "Note":
            self.want(value.get("attributedTo"))
            self.want(value.get("audience"))
            self.want_page(value.get("url"), url)

    def want_page(self, page: Any, twin: str) -> None:
        if isinstance(page, str) and self.site.is_local(page):
            self.pages.setdefault(page, twin)

    def finger(self, actor: dict[str, Any]) -> None:
        handle = f"{actor.get('preferredUsername')}@{self.site.host}"
        url = self.site.url_of(f"/.well-known/webfinger?resource={quote('acct:' + handle, safe=':@')}")
        answer = self.fetcher.get(url, ACCEPT_JRD)
        jrd: Any = None
        if answer.status == 200:
            self.problems.extend(served_as_jrd(answer))
            try:
                jrd = json.loads(answer.body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                jrd = None
        self.problems.extend(webfinger_round_trip(handle, answer, jrd if isinstance(jrd, dict) else None, actor))

    def check_pages(self) -> None:
        for page, twin in sorted(self.pages.items()):
            self.problems.extend(links_its_twin(self.fetcher.get(page, ACCEPT_HTML), twin))

    def check_nodeinfo(self) -> None:
        url = self.site.url_of("/.well-known/nodeinfo")
        answer = self.fetcher.get(url, "application/json")
        try:
            links = json.loads(answer.body) if answer.status == 200 else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            links = None
        site = SiteView(self.site.site_url, exists=self.fetcher.exists)
        self.problems.extend(nodeinfo_lists_both_versions(url, links if isinstance(links, dict) else None, site))


def check_live_site(
    site_url: str, site_actor: str | None = None, fetcher: Fetcher | None = None
) -> tuple[list[Problem], list[Document]]:
    """Every problem of the site served at `site_url`, and the ActivityPub documents it serves; the crawl starts at
    the home page's twin and at the site actor `site_actor` (a name, as in LECTERN['SITE_ACTOR'])."""
    crawl = _Crawl(site_url, fetcher or Fetcher(site_url))
    crawl.run(site_actor)
    crawl.check_pages()
    crawl.check_nodeinfo()
    documents = list(crawl.documents.values())
    problems = crawl.problems + check_site(documents, site_url, crawl.fetcher.exists)
    return problems, documents
