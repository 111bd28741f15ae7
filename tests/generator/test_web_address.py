from __future__ import annotations

import pytest

from lectern.generator.web_address import web_address_problem


@pytest.mark.parametrize(
    "address",
    [
        "https://example.org/fractions",
        "http://127.0.0.1:8000/x",
        "https://[2001:db8::1]:8443/",
        "https://es.wikipedia.org/wiki/Fracción",
        "https://fracción.es/",
        "https://x.org:65535/a?b=c#d",
        "HTTPS://Example.ORG/",
    ],
)
def test_an_http_or_https_address_with_a_valid_host_and_port_is_a_link(address: str) -> None:
    assert web_address_problem(address) is None


@pytest.mark.parametrize(
    ("address", "wrong"),
    [
        ("https://x:99999/", "the port after ':' must be a number from 1 to 65535"),
        ("https://x.org:0/", "the port after ':' must be a number from 1 to 65535"),
        ("https://x.org:abc/", "the port after ':' must be a number from 1 to 65535"),
        ("https://example.org/a b", "it contains a space"),
        ("https://example.org/\x1b[0m", "it contains the invisible character U+001B (ESCAPE)"),
        ("https://example.org/\u202egpj.exe", "it contains the invisible character U+202E"),
        ("https://example.org/<script>", "it contains '<'"),
        ("ftp://example.org/", "it does not start with https://"),
        ("https:/example.org/", "it does not start with https://"),
        ("example.org", "it does not start with https://"),
        ("https:///path", "it has no host name"),
        ("https://-x.org/", "'-x.org' is not a host name"),
        ("https://x..org/", "'x..org' is not a host name"),
        ("https://999.1.1.1/", "'999.1.1.1' is not a host name"),
        ("https://[nope]/", "not an IPv6 address"),
        ("https://teacher:secret@example.org/", "user name or password"),
    ],
)
def test_anything_else_is_refused_with_the_reason(address: str, wrong: str) -> None:
    problem = web_address_problem(address)
    assert problem is not None
    assert wrong in problem
