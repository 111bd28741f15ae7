"""A very small XML writer: elements as frozen values, serialised to the same text every time.

The Common Cartridge files (`generator.cartridge_manifest`, `generator.lom`) are written with it rather than with
`xml.etree`, whose namespace prefixes are a process-wide registry: here each document says its own prefixes, the
attributes keep the order they were given in, and the output is indented two spaces, one element a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

Attributes = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Element:
    tag: str
    attributes: Attributes = ()
    children: tuple[Element, ...] = ()
    text: str | None = None


def element(tag: str, *children: Element | None, text: str | None = None, **attributes: str) -> Element:
    """`element("item", child, identifier="x")`; None children are left out, attribute names may end in `_`
    (`class_`) and use `__` for `:` (`xml__lang`)."""
    named = tuple((name.rstrip("_").replace("__", ":"), value) for name, value in attributes.items())
    return Element(tag, named, tuple(child for child in children if child is not None), text)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped; the content checker refuses them already. (One
    regular expression: a character-by-character filter was a tenth of a 1,000-resource cartridge's time.)"""
    return _CONTROL.sub("", text)


def _lines(node: Element, depth: int) -> list[str]:
    pad = "  " * depth
    attrs = "".join(f" {name}={quoteattr(_clean(value))}" for name, value in node.attributes)
    if node.children:
        inner = [line for child in node.children for line in _lines(child, depth + 1)]
        return [f"{pad}<{node.tag}{attrs}>", *inner, f"{pad}</{node.tag}>"]
    if node.text is None:
        return [f"{pad}<{node.tag}{attrs}/>"]
    return [f"{pad}<{node.tag}{attrs}>{escape(_clean(node.text))}</{node.tag}>"]


def xml_document(root: Element) -> bytes:
    """The UTF-8 document with `root` as its root element, ending in a newline."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', *_lines(root, 0)]
    return ("\n".join(lines) + "\n").encode("utf-8")
