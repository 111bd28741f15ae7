"""Examples of the RFC 8941 subset used by message signatures and Content-Digest."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lectern.federation_shim.structured_fields import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_inner_list,
    serialize_item,
)

# Signature-Input of RFC 9421 appendix B.2.5 (shortened key id).
SIGNATURE_INPUT = 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"'


def test_signature_input_parses_into_an_inner_list_with_parameters() -> None:
    member = parse_dictionary(SIGNATURE_INPUT)["sig-b25"]
    assert isinstance(member, InnerList)
    assert [item.value for item in member.items] == ["date", "@authority", "content-type"]
    assert member.params == {"created": 1618884473, "keyid": "test-shared-secret"}


def test_an_inner_list_serialises_back_to_the_same_text() -> None:
    member = parse_dictionary(SIGNATURE_INPUT)["sig-b25"]
    assert isinstance(member, InnerList)
    assert serialize_inner_list(member) == SIGNATURE_INPUT.split("=", 1)[1]


def test_byte_sequences_tokens_booleans_and_decimals_parse_to_python_values() -> None:
    parsed = parse_dictionary('a=:aGVsbG8=:, b=sha-256, c, d=?0, e=-1.5;q="x\\"y"')
    assert parsed["a"] == Item(b"hello")
    assert parsed["b"] == Item(Token("sha-256"))
    assert isinstance(parsed["b"], Item) and isinstance(parsed["b"].value, Token)
    assert parsed["c"] == Item(True)
    assert parsed["d"] == Item(False)
    assert parsed["e"] == Item(Decimal("-1.5"), {"q": 'x"y'})


def test_byte_sequence_without_base64_padding_is_accepted() -> None:
    assert parse_dictionary("a=:aGVsbG8:")["a"] == Item(b"hello")


def test_items_serialise_with_quotes_escapes_and_colons() -> None:
    assert serialize_item(Item('say "hi"\\')) == '"say \\"hi\\"\\\\"'
    assert serialize_item(Item(b"hello", {"t": Token("x"), "f": True})) == ":aGVsbG8=:;t=x;f"
    assert serialize_item(Item(Decimal("2"))) == "2.0"


@pytest.mark.parametrize(
    "value",
    [
        "sig1=(), sig1=()",  # repeated label: refused, not last-wins
        'a=("x");keyid="1";keyid="2"',  # repeated parameter
        "A=1",  # keys are lower case
        "a=1,",  # trailing comma
        'a="unterminated',
        'a="tab\there"',
        "a=:not base64!:",
        "a=1234567890123456",  # more than 15 digits
        "a=(1 2",
        "a=?2",
        "a=é",
    ],
)
def test_malformed_dictionaries_raise_structured_field_error(value: str) -> None:
    with pytest.raises(StructuredFieldError):
        parse_dictionary(value)
