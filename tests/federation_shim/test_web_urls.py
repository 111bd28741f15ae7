"""One parser decides which ids, keyIds and fetch targets are usable URLs (issue 12): whatever it accepts can be
split, fetched and encoded without an exception, and what it refuses comes with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

from lectern.federation_shim.request_view import TargetURI
from lectern.federation_shim.web_urls import authority_of, general_problem, is_web_url, parse_web_url, web_url_problem

BOUNDED = settings(max_examples=1000, deadline=timedelta(seconds=2), database=None)


@pytest.mark.parametrize(
    "url",
    [
        "https://mastodon.social/users/Gargron#main-key",
        "https://gts.example/users/a/main-key",
        "http://127.0.0.1:8000/ap/actors/fractions.json",
        "http://[::1]:8080/actor",
        "https://b\u00fccher.example/users/a",
        "https://xn--bcher-kva.example/users/a",
        "https://under_score.example/u?page=2",
        "https://example.org/users/\u00e9",
    ],
)
def test_urls_in_use_on_the_fediverse_are_accepted(url: str) -> None:
    assert web_url_problem(url) is None
    assert isinstance(parse_web_url(url), TargetURI)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:99999/x",
        "http://[::1/x",
        "http://[::1]x/",
        "http://[fe80::1%eth0]/x",
        "http://a..b/x",
        "http://.a/x",
        "http://a.b./x",
        "http://\u00e9..b/x",
        "https://\u2488.example/",
        "http://" + "a" * 64 + ".example/",
        "http://x:0/",
        "http://user@x.example/",
        "ftp://x.example/",
        "acct:a@x.example",
        "//x.example/a",
        "http:///a",
        "http://x.example/\ud800",
        "http://x.example/a b",
        "http://x.example/\n",
        "https://x.example/" + "a" * 3000,
        None,
        42,
    ],
)
def test_urls_that_would_break_a_later_step_are_refused_with_a_reason(url: object) -> None:
    problem = web_url_problem(url)
    assert problem
    problem.encode("utf-8")
    with pytest.raises(ValueError):
        parse_web_url(url)


@BOUNDED
@given(
    st.one_of(
        st.text(max_size=80),
        st.builds(lambda host, rest: f"http://{host}{rest}", st.text(max_size=30), st.text(max_size=30)),
        st.builds(lambda host, port: f"https://{host}:{port}/", st.text(max_size=20), st.text(max_size=8)),
    )
)
def test_whatever_is_accepted_can_be_parsed_fetched_and_encoded(text: str) -> None:
    if not is_web_url(text):
        return
    target = parse_web_url(text)
    assert target.scheme in ("http", "https") and target.host
    text.encode("utf-8")
    URL(text).raw_host  # what aiohttp will connect to  # noqa: B018
    (URL(text).raw_host or "").encode("idna")


@settings(max_examples=300, deadline=timedelta(seconds=2), database=None)
@given(
    st.builds(
        lambda scheme, labels, port, rest: f"{scheme}://{'.'.join(labels)}{port}{rest}",
        st.sampled_from(["http", "https"]),
        st.lists(st.from_regex(r"[a-z0-9_-]{1,64}", fullmatch=True), min_size=1, max_size=4),
        st.sampled_from(["", ":0", ":1", ":8000", ":65535", ":65536", ":99999", ":"]),
        st.from_regex(r"([/?#][!-~]{0,40})?", fullmatch=True),
    )
)
def test_the_fast_path_accepts_nothing_the_general_parser_refuses(url: str) -> None:
    if web_url_problem(url) is None:
        assert general_problem(url) is None, url


@pytest.mark.parametrize(
    "url",
    [
        "https://Example.org:443/a",
        "https://example.org:443/a",
        "http://example.org:80/",
        "http://example.org:8080",
        "https://example.org:80/",
        "http://[::1]:80/",
        "https://b\u00fccher.example/",
        "http://127.0.0.1:08000/x",
    ],
)
def test_authority_of_agrees_with_target_uri(url: str) -> None:
    assert authority_of(url) == parse_web_url(url).authority
