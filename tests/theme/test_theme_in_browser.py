"""The theme in a real browser: headless Chromium on the example site, served from loopback.

Pages render without console errors, the collection filter and the copy buttons work, the follow form sends the
visitor to the right page on their own server (every request to another host is intercepted, none leaves the
machine), screenshots at phone and desktop widths in light and dark land in test-output/screenshots/, and axe-core
finds no serious or critical accessibility violation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import urlopen

import pytest

from tests.theme.conftest import SCREENSHOTS, ServedSite

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AUDITED = {
    "home": "/",
    "collection": "/fractions/",
    "resource": "/python-basics/think-python/",
    "hosted-file-resource": "/python-basics/loops-worksheet/",
    "not-found": "/404.html",
}


@contextmanager
def open_page(
    browser: Any,
    site: ServedSite,
    path: str,
    *,
    viewport: dict[str, int] = DESKTOP,
    scheme: str = "light",
    javascript: bool = True,
    permissions: tuple[str, ...] = (),
    routes: dict[str, Callable[[Any], None]] | None = None,
) -> Iterator[tuple[Any, list[str]]]:
    """A fresh browser context on `path`; yields the page and the console errors collected so far."""
    context = browser.new_context(
        viewport=viewport, color_scheme=scheme, java_script_enabled=javascript, reduced_motion="reduce", locale="en-GB"
    )
    if permissions:
        context.grant_permissions(list(permissions), origin=site.url)

    def only_loopback(route: Any) -> None:
        if route.request.url.startswith(site.url + "/"):
            route.continue_()
        else:
            site.requests_elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    for pattern, handler in (routes or {}).items():
        context.route(pattern, handler)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(site.url + path, wait_until="load")
        yield page, errors
    finally:
        context.close()


def settle(page: Any) -> None:
    """Wait for the script's late work: a collection page shows its filter once the JSON index has arrived."""
    if page.locator("form[data-filter]").count():
        page.locator("form[data-filter]").wait_for(state="visible")


VISIBLE_KEYS = "() => Array.from(document.querySelectorAll('#resource-list > li:not([hidden])'), e => e.dataset.key)"


def assert_list_shows(page: Any, expected: list[str]) -> None:
    """The collection's list shows exactly the resources `expected`, in order, within five seconds.

    The filter redraws the list from event handlers; waiting for the awaited state (rather than reading at once) keeps
    the test deterministic on a slow machine, and a wrong list still fails: it is read back and compared after the wait.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # here, not on top: conftest explains absence

    try:
        page.wait_for_function(
            f"expected => JSON.stringify(({VISIBLE_KEYS})()) === JSON.stringify(expected)", arg=expected, timeout=5000
        )
    except PlaywrightTimeout:
        pass
    assert list(page.evaluate(VISIBLE_KEYS)) == expected


def index_of(site: ServedSite, collection: str) -> dict[str, Any]:
    return json.loads((site.output / collection / "resources.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_pages_render_without_console_errors(browser: Any, served_site: ServedSite) -> None:
    paths = ["/", "/404.html", "/tag/python/"]
    for collection in sorted(p.parent.name for p in served_site.output.glob("*/resources.json")):
        paths.append(f"/{collection}/")
        paths += [entry["url"][len(served_site.url) :] for entry in index_of(served_site, collection)["resources"]]
    with open_page(browser, served_site, "/") as (page, errors):
        for path in paths:
            page.goto(served_site.url + path, wait_until="load")
            settle(page)
            assert page.locator("h1").count() == 1, path
            assert page.title(), path
            assert errors == [], f"{path}: {errors}"
    assert served_site.requests_elsewhere == []


def test_the_loopback_server_serves_like_a_static_host(served_site: ServedSite) -> None:
    with urlopen(f"{served_site.url}/ap/actors/fractions.json") as response:
        assert response.headers["Content-Type"] == "application/activity+json"
    with urlopen(f"{served_site.url}/fractions/resources.json") as response:
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    with pytest.raises(HTTPError) as missing:
        urlopen(f"{served_site.url}/no/such/page/")
    assert missing.value.code == 404 and b"This page is not here" in missing.value.read()


def test_an_unknown_address_shows_the_404_page(browser: Any, served_site: ServedSite) -> None:
    with open_page(browser, served_site, "/") as (page, _errors):
        response = page.goto(served_site.url + "/no/such/page/")
        assert response.status == 404
        assert page.locator("h1").inner_text() == "This page is not here"
        assert page.locator(".link-list a").count() == len(list(served_site.output.glob("*/resources.json")))


def test_without_javascript_every_resource_is_listed_and_no_dead_control_is_shown(
    browser: Any, served_site: ServedSite
) -> None:
    with open_page(browser, served_site, "/fractions/", javascript=False) as (page, _errors):
        assert_list_shows(page, [e["key"] for e in index_of(served_site, "fractions")["resources"]])
        assert not page.locator("form[data-filter]").is_visible()
        assert not page.locator("form[data-follow-form]").is_visible()
        assert not page.locator("button[data-copy]").first.is_visible()
        assert page.locator(".handle").inner_text() == "@fractions@" + served_site.url.split("://")[1]


def test_the_filter_narrows_the_list_and_keeps_its_state_in_the_address(browser: Any, served_site: ServedSite) -> None:
    entries = index_of(served_site, "fractions")["resources"]
    all_keys = [entry["key"] for entry in entries]
    with open_page(browser, served_site, "/fractions/") as (page, errors):
        form = page.locator("form[data-filter]")
        form.wait_for(state="visible")
        assert_list_shows(page, all_keys)

        page.select_option("#filter-level", "primary")
        primary = [e["key"] for e in entries if "primary" in e["level"]]
        assert 0 < len(primary) < len(all_keys)
        assert_list_shows(page, primary)
        assert page.locator("#result-count").inner_text() == f"{len(primary)} of {len(all_keys)} resources"
        assert "level=primary" in page.url

        page.select_option("#filter-language", "es")
        assert_list_shows(page, [e["key"] for e in entries if "primary" in e["level"] and e["language"] == "es"])

        page.select_option("#filter-language", "")
        page.select_option("#filter-level", "")
        page.fill("#filter-q", "fraccion")  # accents do not matter: matches "fracción", "fracciones"
        accented = [e["key"] for e in entries if "fracci" in (e["title"] + e["summary"]).lower()]
        assert accented
        assert_list_shows(page, accented)

        page.fill("#filter-q", "no resource has this word")
        assert_list_shows(page, [])
        assert page.locator("#no-results").is_visible()
        page.click("[data-clear-filters]")
        assert_list_shows(page, all_keys)
        assert page.locator("#result-count").inner_text() == f"{len(all_keys)} resources"

        page.goto(served_site.url + "/fractions/?type=simulation")
        page.locator("form[data-filter]").wait_for(state="visible")
        assert page.locator("#filter-type").input_value() == "simulation"
        assert_list_shows(page, [e["key"] for e in entries if e["type"] == "simulation"])
        assert errors == []


def test_the_copy_button_puts_the_handle_on_the_clipboard(browser: Any, served_site: ServedSite) -> None:
    handle = "@python-basics@" + served_site.url.split("://")[1]
    with open_page(browser, served_site, "/python-basics/", permissions=("clipboard-read", "clipboard-write")) as (
        page,
        errors,
    ):
        button = page.locator(".follow button[data-copy]")
        assert button.get_attribute("data-copy") == handle
        button.click()
        page.wait_for_function("document.getElementById('live-status').textContent.includes('copied')")
        assert page.evaluate("navigator.clipboard.readText()") == handle
        assert button.inner_text().strip() == "Copied"
        assert errors == []


def _json(body: dict[str, Any]) -> Callable[[Any], None]:
    def fulfil(route: Any) -> None:
        route.fulfill(
            status=200,
            body=json.dumps(body),
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
        )

    return fulfil


def _missing(route: Any) -> None:
    route.fulfill(status=404, body="not found", headers={"Access-Control-Allow-Origin": "*"})


def _no_cors(route: Any) -> None:
    route.fulfill(status=200, body="{}", content_type="application/json")  # no CORS header: the browser refuses


def _follow_page(arrived: list[str]) -> Callable[[Any], None]:
    def fulfil(route: Any) -> None:
        arrived.append(route.request.url)
        route.fulfill(status=200, body="<!DOCTYPE html><title>Follow</title><h1>Follow</h1>", content_type="text/html")

    return fulfil


NODEINFO_LINKS = {
    "links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "https://{server}/nodeinfo/2.1"}]
}

FOLLOW_CASES = {
    "a Mastodon server that refuses CORS gets authorize_interaction": (
        "mastodon.example",
        {"https://mastodon.example/.well-known/nodeinfo": _no_cors},
        "https://mastodon.example/authorize_interaction?uri={actor}",
    ),
    "a typed URL counts as its server": (
        "https://mastodon.example/about",
        {"https://mastodon.example/.well-known/nodeinfo": _missing},
        "https://mastodon.example/authorize_interaction?uri={actor}",
    ),
    "a Misskey server found through NodeInfo gets its follow page": (
        "misskey.example",
        {
            "https://misskey.example/.well-known/nodeinfo": _json(
                json.loads(json.dumps(NODEINFO_LINKS).replace("{server}", "misskey.example"))
            ),
            "https://misskey.example/nodeinfo/2.1": _json({"software": {"name": "sharkey", "version": "2024.1"}}),
        },
        "https://misskey.example/authorize-follow?acct={actor}",
    ),
    "an account whose WebFinger has a FEP-3b86 Follow intent uses it": (
        "@ana@social.example",
        {
            "https://social.example/.well-known/webfinger?resource=acct%3Aana%40social.example": _json(
                {
                    "subject": "acct:ana@social.example",
                    "links": [
                        {
                            "rel": "http://ostatus.org/schema/1.0/subscribe",
                            "template": "https://social.example/ostatus_subscribe?acct={uri}",
                        },
                        {
                            "rel": "https://w3id.org/fep/3b86/Follow",
                            "href": "https://social.example/intents/follow?object={object}&back={on-success}&x={unknown}",
                        },
                    ],
                }
            ),
        },
        "https://social.example/intents/follow?object={actor}&back={here}&x=",
    ),
    "an account whose WebFinger has only the OStatus subscribe template uses it": (
        "ana@pleroma.example",
        {
            "https://pleroma.example/.well-known/webfinger?resource=acct%3Aana%40pleroma.example": _json(
                {
                    "links": [
                        {
                            "rel": "http://ostatus.org/schema/1.0/subscribe",
                            "template": "https://pleroma.example/ostatus_subscribe?acct={uri}",
                        }
                    ],
                }
            ),
        },
        "https://pleroma.example/ostatus_subscribe?acct={actor}",
    ),
}


@pytest.mark.parametrize("typed, lookups, expected", FOLLOW_CASES.values(), ids=FOLLOW_CASES.keys())
def test_the_follow_form_sends_the_visitor_to_their_server(
    browser: Any, served_site: ServedSite, typed: str, lookups: dict[str, Callable[[Any], None]], expected: str
) -> None:
    arrived: list[str] = []
    server = re.sub(r"^(https://)?@?([^@]+@)?", "", typed).split("/")[0]
    routes: dict[str, Callable[[Any], None]] = {f"https://{server}/**": _follow_page(arrived)}
    routes.update(lookups)
    actor = f"{served_site.url}/ap/actors/fractions.json"
    here = f"{served_site.url}/fractions/"
    with open_page(browser, served_site, "/fractions/", routes=routes) as (page, _errors):
        page.fill("#follow-server", typed)
        with page.expect_navigation(url=re.compile(rf"^https://{re.escape(server)}/")):
            page.click(".follow-form button[type=submit]")
        assert page.url == expected.format(actor=quote(actor, safe=""), here=quote(here, safe=""))
        assert arrived == [page.url]
        page.goto(served_site.url + "/fractions/")
        assert page.locator("#follow-server").input_value() == typed, "the server is remembered"


def test_the_follow_form_remembers_the_server_and_explains_what_it_cannot_do(
    browser: Any, served_site: ServedSite
) -> None:
    routes = {
        "https://gts.example/.well-known/nodeinfo": _json(
            json.loads(json.dumps(NODEINFO_LINKS).replace("{server}", "gts.example"))
        ),
        "https://gts.example/nodeinfo/2.1": _json({"software": {"name": "gotosocial"}}),
    }
    with open_page(browser, served_site, "/", routes=routes) as (page, _errors):
        status = page.locator(".follow-form .status")
        page.fill("#follow-server", "not a server")
        page.click(".follow-form button[type=submit]")
        assert "Type your server's address" in status.inner_text()
        assert page.locator("#follow-server").get_attribute("aria-invalid") == "true"

        page.fill("#follow-server", "gts.example")
        page.click(".follow-form button[type=submit]")
        page.wait_for_function("document.querySelector('.follow-form .status').textContent.includes('no follow page')")
        assert "search for @library@" in status.inner_text()

        page.reload()
        assert page.locator("#follow-server").input_value() == "gts.example"


def test_the_keyboard_reaches_the_skip_link_first_and_focus_is_visible(browser: Any, served_site: ServedSite) -> None:
    with open_page(browser, served_site, "/python-basics/think-python/") as (page, errors):
        page.keyboard.press("Tab")
        skip = page.locator(".skip-link")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        box = skip.bounding_box()
        assert box is not None and box["y"] >= 0, "the skip link must come into view when focused"
        assert skip.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('main') !== null")
        assert errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_at_phone_and_desktop_widths_fit_the_screen(
    browser: Any, served_site: ServedSite, scheme: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in AUDITED.items():
        for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            with open_page(browser, served_site, path, viewport=viewport, scheme=scheme) as (page, errors):
                settle(page)
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{name} is {overflow}px wider than a {width_name} screen"
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{width_name}-{scheme}.png"), full_page=True)
                assert errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(AUDITED))
def test_axe_finds_no_serious_or_critical_violations(
    browser: Any, served_site: ServedSite, axe_script: Any, name: str, scheme: str
) -> None:
    with open_page(browser, served_site, AUDITED[name], scheme=scheme) as (page, _errors):
        settle(page)
        page.add_script_tag(path=str(axe_script))
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], "\n".join(serious)
