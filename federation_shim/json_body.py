"""Parsing an untrusted JSON body with bounds, so that no body can make the parser (or a later step) raise.

``json.loads`` alone accepts three things that blow up later or inside it:

* nesting tens of thousands deep: ``RecursionError`` in the parser, or in ``json.dumps`` when the activity is
  stored; refused beyond MAX_DEPTH levels (ActivityPub documents are a handful of
  levels deep);
* integers of thousands of digits: ``ValueError`` from Python's int digit limit (CVE-2020-10735, Python 3.11);
  numbers longer than MAX_NUMBER_LENGTH characters are refused before conversion, and so are ``NaN``,
  ``Infinity`` and floats that overflow to it (``1e999``), which JSON cannot carry (RFC 8259 section 6);
* lone surrogates (``"\\ud800"``, or the bytes ED A0 80, which Python decodes with ``surrogatepass``): strings that
  cannot be encoded as UTF-8, so SQLite and every JSON answer quoting them raise ``UnicodeEncodeError``. RFC 8259
  section 8.2 leaves them undefined; we refuse them.

The checks cost nothing on ordinary bodies: the depth walk only runs when the body has more brackets than MAX_DEPTH,
the string walk only when the body holds a surrogate escape or surrogate bytes. Failures are :class:`BadJSON`, a
ValueError with a reason (``invalid_json``, ``too_deep``, ``number_too_long``, ``number_too_large``,
``invalid_unicode``).

Bodies are read by ``orjson`` first (a third of the time of ``json``, and it refuses lone surrogates, ``NaN``,
``Infinity`` and ``1e999`` itself): a body it reads and whose digits never run 19 long (orjson turns integers past
64 bits into floats, and a number over MAX_NUMBER_LENGTH characters has such a run) is the value ``json`` would
read; anything else is read again by ``json`` with the checks above, which name the reason.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

__all__ = ["MAX_DEPTH", "MAX_NUMBER_LENGTH", "BadJSON", "parse_json"]

MAX_DEPTH = 64
MAX_NUMBER_LENGTH = 100

_SURROGATE = re.compile(rb"\\[uU][dD][89a-fA-F]|\xed[\xa0-\xbf]")


class BadJSON(ValueError):
    """Why a body is not acceptable JSON; ``reason`` is a stable snake_case name."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise BadJSON("number_too_long", f"a number has more than {MAX_NUMBER_LENGTH} characters")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_LENGTH:
        raise BadJSON("number_too_long", f"a number has more than {MAX_NUMBER_LENGTH} characters")
    value = float(text)
    if not math.isfinite(value):
        raise BadJSON("number_too_large", f"{text} is too large for a floating-point number")
    return value


def _constant(name: str) -> Any:
    raise BadJSON("invalid_json", f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


_DIGITS = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))  # a digit -> '0', anything else -> ' '
_LONG_DIGITS = b"0" * 19  # past 64 bits orjson reads an integer as a float; json reads it as an int


def parse_json(body: bytes | str) -> Any:
    """The JSON value of ``body``; :class:`BadJSON` if it is not JSON or breaks a bound (see the module docstring)."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass  # read again below, for the reason
    else:
        if _LONG_DIGITS not in raw.translate(_DIGITS):
            _check_depth(raw, value)
            return value
    return _parse_with_json(raw)


def _check_depth(raw: bytes, value: Any) -> None:
    if len(raw) > 2 * MAX_DEPTH and raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise BadJSON("too_deep", f"the JSON is nested more than {MAX_DEPTH} levels deep")


def _parse_with_json(raw: bytes) -> Any:
    """``json``'s reading of ``raw``, with the checks of the module docstring."""
    try:
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
        value = _DECODER.decode(text)
    except BadJSON:
        raise
    except RecursionError:
        raise BadJSON("too_deep", f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
    except (ValueError, UnicodeError) as error:
        raise BadJSON("invalid_json", f"the body is not JSON: {_safe(str(error))}") from None
    _check_depth(raw, value)
    if (b"\\u" in raw or b"\\U" in raw or b"\xed" in raw) and _SURROGATE.search(raw) and not _all_encodable(value):
        raise BadJSON("invalid_unicode", "a string holds a lone surrogate, which is not Unicode text")
    return value


def _depth(value: Any) -> int:
    """The nesting depth of containers in ``value`` (a scalar is 0), without recursion; stops past MAX_DEPTH."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        if depth > MAX_DEPTH:
            return depth
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children if isinstance(child, dict | list))
    return deepest


def _all_encodable(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings = [item]
        elif isinstance(item, dict):
            strings = list(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in strings:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def _safe(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")[:200]
