"""The part of Structured Field Values for HTTP (RFC 8941) that message signatures need.

RFC 9421 (``Signature-Input``, ``Signature``) and RFC 9530 (``Content-Digest``) carry their data
as Structured Field *dictionaries*. This module parses dictionaries whose members are items or
inner lists, with parameters, and serialises items and inner lists back (RFC 8941 section 4.1),
which is how the ``@signature-params`` line of a signature base is built.

Dates and display strings from RFC 9651 are not supported. Two deliberate strictnesses: a
dictionary that repeats a key is refused (RFC 8941 would keep the last one; for signatures, two
values under one label is a smuggling attempt, not a typo), and so is a repeated parameter.
Errors are :class:`StructuredFieldError` with the position of the problem.
"""

from __future__ import annotations

import base64
import binascii
import string
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "BareItem",
    "InnerList",
    "Item",
    "Member",
    "StructuredFieldError",
    "Token",
    "parse_dictionary",
    "serialize_inner_list",
    "serialize_item",
]


class Token(str):
    """A Structured Field token (``sha-256``, ``*foo``), as opposed to a quoted string."""

    __slots__ = ()


BareItem = int | Decimal | str | Token | bytes | bool
Params = dict[str, BareItem]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = field(default_factory=dict)


Member = Item | InnerList


class StructuredFieldError(ValueError):
    """The header value is not a valid Structured Field of the expected kind."""


_DIGITS = frozenset(string.digits)  # ASCII only: str.isdigit() also accepts "²", which int() refuses
_KEY_FIRST = frozenset(string.ascii_lowercase + "*")
_KEY_REST = frozenset(string.ascii_lowercase + string.digits + "_-.*")
_TOKEN_FIRST = frozenset(string.ascii_letters + "*")
_TCHAR = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
_TOKEN_REST = _TCHAR | {":", "/"}
_BASE64 = frozenset(string.ascii_letters + string.digits + "+/=")


class _Parser:
    def __init__(self, text: str) -> None:
        if not text.isascii():
            raise StructuredFieldError("structured field values must be ASCII")
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> StructuredFieldError:
        return StructuredFieldError(f"{what} at position {self.pos} of {self.text!r}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def skip(self, chars: str) -> None:
        while self.peek() and self.peek() in chars:
            self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def dictionary(self) -> dict[str, Member]:
        members: dict[str, Member] = {}
        self.skip(" ")
        while not self.at_end():
            key = self.key()
            if key in members:
                raise self.fail(f"repeated dictionary key {key!r}")
            if self.peek() == "=":
                self.pos += 1
                members[key] = self.item_or_inner_list()
            else:
                members[key] = Item(True, self.parameters())
            self.skip(" \t")
            if self.at_end():
                return members
            if self.take() != ",":
                raise self.fail("expected ',' between dictionary members")
            self.skip(" \t")
            if self.at_end():
                raise self.fail("trailing ',' in dictionary")
        return members

    def item_or_inner_list(self) -> Member:
        if self.peek() == "(":
            return self.inner_list()
        return Item(self.bare_item(), self.parameters())

    def inner_list(self) -> InnerList:
        self.pos += 1  # the "("
        items: list[Item] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.parameters())
            items.append(Item(self.bare_item(), self.parameters()))
            if self.peek() not in (" ", ")"):
                raise self.fail("expected ' ' or ')' in inner list")

    def parameters(self) -> Params:
        params: Params = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            key = self.key()
            if key in params:
                raise self.fail(f"repeated parameter {key!r}")
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[key] = value
        return params

    def key(self) -> str:
        if self.peek() not in _KEY_FIRST:
            raise self.fail("expected a key")
        start = self.pos
        while self.peek() and self.peek() in _KEY_REST:
            self.pos += 1
        return self.text[start : self.pos]

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == "-" or char in _DIGITS:
            return self.number()
        if char == '"':
            return self.quoted_string()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            return self.boolean()
        if char and char in _TOKEN_FIRST:
            return self.token()
        raise self.fail("expected an item")

    def number(self) -> int | Decimal:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        if not self.peek() or self.peek() not in _DIGITS:
            raise self.fail("expected a digit")
        while self.peek() and (self.peek() in _DIGITS or self.peek() == "."):
            self.pos += 1
        number = self.text[start : self.pos]
        digits = number.lstrip("-")
        if "." not in digits:
            if len(digits) > 15:
                raise self.fail("integer longer than 15 digits")
            return int(number)
        whole, _, fraction = digits.partition(".")
        if "." in fraction or not fraction or len(whole) > 12 or len(fraction) > 3:
            raise self.fail("malformed decimal")
        return Decimal(number)

    def quoted_string(self) -> str:
        self.pos += 1  # the opening quote
        chars: list[str] = []
        while not self.at_end():
            char = self.take()
            if char == "\\":
                escaped = self.take()
                if escaped not in ('"', "\\"):
                    raise self.fail("bad escape in string")
                chars.append(escaped)
            elif char == '"':
                return "".join(chars)
            elif not " " <= char <= "~":
                raise self.fail("control character in string")
            else:
                chars.append(char)
        raise self.fail("unterminated string")

    def token(self) -> Token:
        start = self.pos
        while self.peek() and self.peek() in _TOKEN_REST:
            self.pos += 1
        return Token(self.text[start : self.pos])

    def byte_sequence(self) -> bytes:
        self.pos += 1  # the opening colon
        end = self.text.find(":", self.pos)
        if end < 0:
            raise self.fail("unterminated byte sequence")
        encoded = self.text[self.pos : end]
        if not set(encoded) <= _BASE64:
            raise self.fail("byte sequence is not base64")
        self.pos = end + 1
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except binascii.Error as error:
            raise self.fail(f"byte sequence is not base64 ({error})") from error

    def boolean(self) -> bool:
        self.pos += 1
        char = self.take()
        if char not in ("0", "1"):
            raise self.fail("boolean must be ?0 or ?1")
        return char == "1"


def parse_dictionary(value: str) -> dict[str, Member]:
    """Parse a Structured Field dictionary (RFC 8941 section 4.2.2), keeping member order."""
    parser = _Parser(value.strip(" \t"))
    return parser.dictionary()


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = f"{value.quantize(Decimal('0.001')):f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        return str(value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def serialize_params(params: Params) -> str:
    parts = []
    for key, value in params.items():
        parts.append(f";{key}" if value is True else f";{key}={serialize_bare_item(value)}")
    return "".join(parts)


def serialize_item(item: Item) -> str:
    """Serialise an item with its parameters (RFC 8941 section 4.1.3)."""
    return serialize_bare_item(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    """Serialise an inner list with its parameters (RFC 8941 section 4.1.1.1)."""
    return "(" + " ".join(serialize_item(i) for i in inner.items) + ")" + serialize_params(inner.params)
