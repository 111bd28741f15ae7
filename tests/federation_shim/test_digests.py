"""Examples of computing and checking Digest (RFC 3230) and Content-Digest (RFC 9530)."""

from __future__ import annotations

import pytest

from lectern.federation_shim.digests import (
    DigestProblem,
    check_content_digest,
    check_digest,
    content_digest_header,
    digest_header,
)

# The example of RFC 9530 section 2.
HELLO = b'{"hello": "world"}'
HELLO_SHA256 = "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
HELLO_SHA512 = "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew=="


def test_digest_header_is_the_base64_sha256_of_the_body() -> None:
    assert digest_header(HELLO) == f"SHA-256={HELLO_SHA256}"
    assert digest_header(b"") == "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_content_digest_header_matches_the_rfc_9530_example() -> None:
    assert content_digest_header(HELLO) == f"sha-256=:{HELLO_SHA256}:"
    assert content_digest_header(HELLO, "sha-512") == f"sha-512=:{HELLO_SHA512}:"


def test_computing_a_digest_with_an_unsupported_algorithm_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="sha-256 or sha-512"):
        digest_header(HELLO, "MD5")


def test_digest_of_the_same_body_checks() -> None:
    check = check_digest(digest_header(HELLO), HELLO)
    assert check.ok
    assert check.algorithms == ("sha-256",)


def test_one_byte_changed_in_the_body_is_a_digest_mismatch() -> None:
    check = check_digest(digest_header(HELLO), HELLO.replace(b"world", b"World"))
    assert not check.ok
    assert check.problem is DigestProblem.MISMATCH
    assert "does not match" in check.detail


def test_digest_algorithm_names_are_case_insensitive_and_sha512_is_accepted() -> None:
    assert check_digest(f"sha-256={HELLO_SHA256}", HELLO).ok
    assert check_digest(f"SHA-512={HELLO_SHA512}", HELLO).ok


def test_digest_offering_only_md5_is_unsupported_not_an_exception() -> None:
    check = check_digest("MD5=Sd/dVLAcvNLSq16eXua5uQ==", HELLO)
    assert not check.ok
    assert check.problem is DigestProblem.UNSUPPORTED_ALGORITHM
    assert "md5" in check.detail


def test_digest_listing_an_unknown_algorithm_next_to_sha256_checks_the_sha256() -> None:
    assert check_digest(f"MD5=Sd/dVLAcvNLSq16eXua5uQ==, SHA-256={HELLO_SHA256}", HELLO).ok


def test_every_supported_digest_listed_must_match() -> None:
    wrong_512 = digest_header(b"other", "SHA-512").split("=", 1)[1]
    check = check_digest(f"SHA-256={HELLO_SHA256},SHA-512={wrong_512}", HELLO)
    assert check.problem is DigestProblem.MISMATCH


@pytest.mark.parametrize(
    "value",
    ["", "SHA-256", "SHA-256=not base64!", "=abc", "SHA-256=" + "QUJD"],  # last: 3 bytes
)
def test_malformed_digest_values_are_reported_as_malformed(value: str) -> None:
    check = check_digest(value, HELLO)
    assert not check.ok
    assert check.problem is DigestProblem.MALFORMED


def test_content_digest_of_the_same_body_checks_with_either_algorithm() -> None:
    assert check_content_digest(f"sha-256=:{HELLO_SHA256}:", HELLO).ok
    assert check_content_digest(f"sha-512=:{HELLO_SHA512}:", HELLO).ok


def test_content_digest_of_another_body_is_a_mismatch() -> None:
    check = check_content_digest(content_digest_header(b"{}"), HELLO)
    assert check.problem is DigestProblem.MISMATCH


def test_content_digest_with_only_insecure_algorithms_is_unsupported() -> None:
    check = check_content_digest("unixsum=:AAAA:, md5=:Sd/dVLAcvNLSq16eXua5uQ==:", HELLO)
    assert check.problem is DigestProblem.UNSUPPORTED_ALGORITHM


@pytest.mark.parametrize(
    "value",
    [f"sha-256={HELLO_SHA256}", f'sha-256="{HELLO_SHA256}"', "sha-256=:abc", "SHA-256=:AA==:"],
)
def test_content_digest_that_is_not_a_dictionary_of_byte_sequences_is_malformed(
    value: str,
) -> None:
    check = check_content_digest(value, HELLO)
    assert not check.ok
    assert check.problem is DigestProblem.MALFORMED
