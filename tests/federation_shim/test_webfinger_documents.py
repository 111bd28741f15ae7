"""WebFinger answers and JRD documents (RFC 7033) for an app's accounts."""

from __future__ import annotations

import pytest

from lectern.federation_shim import WebFingerAccount, jrd, webfinger

HOST = "oer.example"
ACCOUNTS = {
    "fractions": WebFingerAccount("https://oer.example/ap/actors/fractions.json", "https://oer.example/fractions/"),
    "bot": WebFingerAccount("https://oer.example/bot"),
}


@pytest.mark.parametrize(
    "resource",
    [
        "acct:fractions@oer.example",
        "fractions@OER.example",
        "@fractions@oer.example",
        "acct%3Afractions%40oer.example",
        "https://oer.example/ap/actors/fractions.json",
        "https://oer.example/fractions/",
    ],
)
def test_every_way_of_naming_an_account_finds_it(resource: str) -> None:
    answer = webfinger(resource, HOST, ACCOUNTS)
    assert answer.status == 200
    assert answer.body == {
        "subject": "acct:fractions@oer.example",
        "aliases": ["https://oer.example/ap/actors/fractions.json", "https://oer.example/fractions/"],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": ACCOUNTS["fractions"].actor},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": ACCOUNTS["fractions"].page},
        ],
    }


def test_an_account_without_a_page_links_its_actor_only() -> None:
    assert webfinger("acct:bot@oer.example", HOST, ACCOUNTS).body == {
        "subject": "acct:bot@oer.example",
        "aliases": ["https://oer.example/bot"],
        "links": [{"rel": "self", "type": "application/activity+json", "href": "https://oer.example/bot"}],
    }


@pytest.mark.parametrize(
    ("resource", "status", "error"),
    [
        (None, 400, "missing_resource"),
        ("", 400, "missing_resource"),
        ("acct:fractions", 400, "malformed_resource"),
        ("acct:a@b@oer.example", 400, "malformed_resource"),
        ("acct:@oer.example", 400, "malformed_resource"),
        ("acct:fractions@other.example", 404, "not_found"),
        ("acct:nobody@oer.example", 404, "not_found"),
        ("https://oer.example/unknown", 404, "not_found"),
    ],
)
def test_what_is_not_one_of_ours_is_refused_with_a_reason(resource: str | None, status: int, error: str) -> None:
    answer = webfinger(resource, HOST, ACCOUNTS)
    assert (answer.status, answer.body["error"]) == (status, error)


def test_aliases_can_be_given() -> None:
    document = jrd(
        "index",
        "index.example",
        WebFingerAccount("https://index.example/actor", "https://index.example/"),
        aliases=["https://index.example/actor"],
    )
    assert document["aliases"] == ["https://index.example/actor"]
    assert [link["rel"] for link in document["links"]] == ["self", "http://webfinger.net/rel/profile-page"]
