"""Invisible characters that have no place in content: control characters, bidirectional overrides, a BOM inside.

They cannot be seen in an editor, the site's XML feeds cannot carry most of them (XML 1.0 forbids C0 controls), and a
right-to-left override turns `gpj.exe` into what reads as `exe.jpg`. `lectern check` names each by its code point so
an educator can find and delete it. A tab is allowed in the Markdown text (indentation), never in a field's value.
"""

from __future__ import annotations

import unicodedata

# Format characters (category Cf) that reorder or hide text; the other Cf characters (soft hyphen, zero-width
# joiner, ...) are legitimate in many scripts and stay allowed.
# (Left-to-right and right-to-left marks, U+200E and U+200F, are used in right-to-left text: they stay allowed.)
_HIDDEN_FORMAT = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\ufeff"  # byte order mark (only a file's very first character may be one; the parser removes it)
)
_CONTROL_NAMES = {
    0x00: "NULL",
    0x08: "BACKSPACE",
    0x09: "TAB",
    0x0B: "VERTICAL TAB",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}


def is_forbidden(char: str, allow_tab: bool = False) -> bool:
    """Whether `char` must not appear in content (in a field's value when `allow_tab` is false)."""
    if char == "\t":
        return not allow_tab
    category = unicodedata.category(char)
    return category in ("Cc", "Cs", "Zl", "Zp") or char in _HIDDEN_FORMAT or char in "\ufffe\uffff"


def first_forbidden(text: str, allow_tab: bool = False) -> str | None:
    """The first character of `text` that must not appear in content, or None."""
    if text.isprintable():
        return None  # the common case, without a loop in Python (isprintable is false for every Cc, Cf, Zl, Zp)
    for char in text:
        if is_forbidden(char, allow_tab):
            return char
    return None


def describe(char: str) -> str:
    """`U+001B (ESCAPE)`, `U+202E (RIGHT-TO-LEFT OVERRIDE)`."""
    code = ord(char)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(char, "a control character")
    if char == "\ufeff":
        name = "BYTE ORDER MARK"
    return f"U+{code:04X} ({name})"
