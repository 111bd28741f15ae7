"""Untrusted JSON is parsed with bounds (issue 12): every failure is a BadJSON with a reason, never a RecursionError,
an int-digit-limit ValueError or a string that cannot be encoded as UTF-8."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectern.federation_shim.json_body import MAX_DEPTH, BadJSON, _parse_with_json, parse_json
from tests.fuzz_strategies import HOSTILE_FRAGMENTS, json_values

BOUNDED = settings(max_examples=500, deadline=timedelta(seconds=2), database=None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 60_000 + b"]" * 60_000, "too_deep"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "too_deep"),
        (b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), "too_deep"),
        (b"7" * 5000, "number_too_long"),
        (b"[0." + b"1" * 5000 + b"]", "number_too_long"),
        (b"1e999", "number_too_large"),
        (b"[NaN]", "invalid_json"),
        (b"[-Infinity]", "invalid_json"),
        (b'["\\ud800"]', "invalid_unicode"),
        (b'{"\\udfff": 1}', "invalid_unicode"),
        (b'["\xed\xa0\x80"]', "invalid_unicode"),
        (b"\xff", "invalid_json"),
        (b"", "invalid_json"),
    ],
)
def test_bodies_beyond_the_bounds_are_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(BadJSON) as refused:
        parse_json(body)
    assert refused.value.reason == reason
    str(refused.value).encode("utf-8")  # the message itself can be sent in an answer


def test_ordinary_json_is_read_as_json_reads_it() -> None:
    body = b'{"a": [1, 2.5, -0, true, null, "\\ud83d\\ude00", {"b": "\xc3\xa9"}]}'
    assert parse_json(body) == json.loads(body)
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    assert parse_json(b"\xef\xbb\xbf{}") == {}  # a UTF-8 byte order mark, as json.loads accepts on bytes
    big = parse_json(b'{"n": 123456789012345678901234567890, "m": -9223372036854775809}')
    assert big == {"n": 123456789012345678901234567890, "m": -9223372036854775809}  # ints past 64 bits stay ints
    assert isinstance(big["n"], int) and isinstance(big["m"], int)
    assert parse_json('{"a": "\u00e4"}'.encode("utf-16")) == {"a": "\u00e4"}  # UTF-16, as json.loads reads it


def _reading(read: Callable[[bytes], object], body: bytes) -> object:
    try:
        return read(body)
    except BadJSON as refused:
        return ("refused", refused.reason)


@BOUNDED
@given(value=json_values, fragment=st.sampled_from(["", *HOSTILE_FRAGMENTS]), at=st.integers(min_value=0))
def test_the_fast_reader_gives_what_json_gives(value: object, fragment: str, at: int) -> None:
    """orjson reads first (parse_json); what it accepts must be json's value, what it refuses json's reason."""
    text = json.dumps(value, ensure_ascii=at % 2 == 0)
    at %= len(text) + 1
    body = (text[:at] + fragment + text[at:]).encode("utf-8", "surrogatepass")
    assert _reading(parse_json, body) == _reading(_parse_with_json, body)


@BOUNDED
@given(st.binary(max_size=300))
def test_the_fast_reader_gives_what_json_gives_for_any_bytes(body: bytes) -> None:
    assert _reading(parse_json, body) == _reading(_parse_with_json, body)


@BOUNDED
@given(st.binary(max_size=300))
def test_any_bytes_give_a_value_or_bad_json(body: bytes) -> None:
    try:
        value = parse_json(body)
    except BadJSON:
        return
    json.dumps(value, allow_nan=False).encode("utf-8")


@BOUNDED
@given(value=json_values, fragment=st.sampled_from(HOSTILE_FRAGMENTS), at=st.integers(min_value=0))
def test_json_with_a_hostile_fragment_gives_a_value_or_bad_json(value: object, fragment: str, at: int) -> None:
    text = json.dumps(value)
    at %= len(text) + 1
    body = (text[:at] + fragment + text[at:]).encode("utf-8", "surrogatepass")
    try:
        parsed = parse_json(body)
    except BadJSON:
        return
    json.dumps(parsed, allow_nan=False).encode("utf-8")  # what was accepted can be stored and echoed
