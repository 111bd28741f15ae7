"""Rules for what a live site serves (through its CDN): status, Content-Type and Cache-Control of each answer, the
WebFinger round trip of each actor, and the `rel=alternate` link from each HTML page to its JSON twin.

Each rule is a pure function of what was fetched, returning `Problem`s; `lectern.doctor_fetch` does the fetching.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from lectern.doctor_model import JSON, Problem, as_list

ACTIVITY_STREAMS = "https://www.w3.org/ns/activitystreams"
TWIN_TYPES = ("application/activity+json", f'application/ld+json; profile="{ACTIVITY_STREAMS}"')


@dataclass(frozen=True)
class Answer:
    """One HTTP answer as fetched, without following redirects; header names lower-case."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    error: str = ""  # why nothing was answered (status 0): refused, timed out, DNS

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def served_without_redirect(answer: Answer) -> list[Problem]:
    """An id answers 200 itself, not a redirect.

    Mastodon: app/helpers/jsonld_helper.rb, `fetch_resource` fetches the id and keeps the document only if
    `json['id'] == uri`; after a redirect the document served is another URL's, so the id it carries no longer
    matches, and `fetch_resource_without_id_validation` reads a body only when `response.code == 200`.
    """
    if answer.status == 0:
        return [Problem(answer.url, "fetch", f"no answer: {answer.error}", "check the address and that the site is up")]
    if 300 <= answer.status < 400:
        return [
            Problem(
                answer.url,
                "redirect",
                f"answers {answer.status} to {answer.headers.get('location', '?')}",
                "serve the document at its id: no redirect from http to https, to or from a trailing slash, or to "
                "another host (the site URL of the build must be the public one)",
            )
        ]
    if answer.status != 200:
        return [Problem(answer.url, "status", f"answers {answer.status}", "publish the file, then purge the CDN")]
    return []


def served_as_activity_json(answer: Answer) -> list[Problem]:
    """A JSON twin is served as `application/activity+json`, or `application/ld+json` with the ActivityStreams profile.

    Mastodon: app/helpers/jsonld_helper.rb, `valid_activitypub_content_type?`; `fetch_resource_without_id_validation`
    parses the body only when it is true.
    """
    content_type = answer.headers.get("content-type", "")
    if answer.media_type == "application/activity+json":
        return []
    if answer.media_type == "application/ld+json" and ACTIVITY_STREAMS in content_type:
        return []
    return [
        Problem(
            answer.url,
            "content-type",
            f"served as {content_type or 'no Content-Type'}: Mastodon ignores it",
            "serve ap/**/*.json as application/activity+json (lectern publish sets it; check the CDN does not "
            "rewrite it)",
        )
    ]


def served_as_jrd(answer: Answer) -> list[Problem]:
    """WebFinger answers `application/jrd+json`; plain `application/json` is a warning.

    RFC 7033, section 10.2 registers application/jrd+json for WebFinger; Mastodon: app/lib/webfinger.rb asks with
    `Accept: application/jrd+json, application/json` and parses the body as JSON, so an HTML error page from a CDN
    fails there.
    """
    if answer.media_type == "application/jrd+json":
        return []
    content_type = answer.headers.get("content-type", "") or "no Content-Type"
    return [
        Problem(
            answer.url,
            "content-type",
            f"WebFinger is served as {content_type}",
            "route /.well-known/webfinger to the shim, which answers application/jrd+json",
            warning=answer.media_type == "application/json",
        )
    ]


def cached(answer: Answer) -> list[Problem]:
    """Every answer carries `Cache-Control`.

    No Fediverse server requires it: it is Lectern's publishing contract (lectern/content_types.py `cache_control`,
    set by `lectern serve` and `lectern publish`); without it the CDN picks its own lifetime, and a changed actor or
    Note stays stale for as long as the CDN likes.
    """
    if not answer.headers.get("cache-control"):
        return [
            Problem(
                answer.url,
                "cache-control",
                "served without Cache-Control",
                "publish with `lectern publish`, which sets it, and let the CDN pass the origin's headers through",
            )
        ]
    return []


def webfinger_round_trip(handle: str, finger: Answer, jrd: JSON | None, actor: JSON) -> list[Problem]:
    """acct:name@host answers with `subject` the same acct and a `self` link to the actor's id.

    Mastodon: app/services/activitypub/fetch_remote_actor_service.rb, `check_webfinger!` webfingers
    `preferredUsername@host` of the fetched actor, requires the subject's username and domain to match, then
    raises "does not loop back" unless `webfinger.link('self', 'href')` is the actor's id.
    """
    where = finger.url
    if finger.status != 200 or jrd is None:
        return [
            Problem(
                where,
                "webfinger",
                f"acct:{handle} answers {finger.status}",
                "route /.well-known/webfinger to the shim and check it reads this build's ap/webfinger.json",
            )
        ]
    problems: list[Problem] = []
    if str(jrd.get("subject", "")).lower() != f"acct:{handle}".lower():
        problems.append(
            Problem(
                where,
                "webfinger",
                f"the subject is {jrd.get('subject')!r}, not acct:{handle}",
                "the shim and the build must use the same site URL",
            )
        )
    selves = [
        link.get("href")
        for link in as_list(jrd.get("links"))
        if isinstance(link, dict) and link.get("rel") == "self" and link.get("type") in TWIN_TYPES
    ]
    if actor.get("id") not in selves:
        problems.append(
            Problem(
                where,
                "webfinger",
                f"the self link {selves[0] if selves else 'is missing and'} does not loop back to {actor.get('id')}",
                "the shim and the build must use the same site URL",
            )
        )
    return problems


class _AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and "alternate" in (found.get("rel") or "").split() and found.get("type") in TWIN_TYPES:
            self.hrefs.append(found.get("href") or "")


def alternate_links(html: str) -> list[str]:
    """The hrefs of `<link rel="alternate" type="application/activity+json">` (or ld+json) in a page."""
    parser = _AlternateLinks()
    parser.feed(html)
    return parser.hrefs


def links_its_twin(page: Answer, twin_id: str) -> list[Problem]:
    """The HTML page links its JSON twin with `rel=alternate`, so a URL pasted into a Fediverse search resolves.

    Mastodon: app/services/fetch_resource_service.rb, `process_html` follows the first
    `//link[@rel="alternate"]` whose type is application/activity+json or ld+json with the ActivityStreams profile.
    """
    if page.status != 200:
        return [Problem(page.url, "alternate", f"the page answers {page.status}", "publish the page")]
    hrefs = alternate_links(page.body.decode("utf-8", errors="replace"))
    if twin_id not in hrefs:
        found = hrefs[0] if hrefs else "nothing"
        return [
            Problem(
                page.url,
                "alternate",
                f"the page's rel=alternate ActivityPub link points at {found}, not {twin_id}",
                'add <link rel="alternate" type="application/activity+json" href="..."> to the theme\'s template',
            )
        ]
    return []
