"""What a web page says about itself: title, description, license, language and authors, for a suggested resource.

Read from the page's HTML in the order publishers fill them: Open Graph (`og:title`, `og:description`), then the
plain `<title>` and `<meta name="description">`; the license from `rel="license"` links (what Creative Commons'
chooser and OER repositories such as OpenStax, PhET and OER Commons write), a schema.org JSON-LD `license`, or Dublin
Core (`DC.rights`), matched to an SPDX identifier by its canonical address (`lectern.generator.licenses`); the
language from `<html lang>`; authors from `<meta name="author">`. Pure: the HTML is fetched elsewhere.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from lectern.generator.licenses import LICENSES, License

MAX_FIELD = 500


@dataclass(frozen=True)
class PageMetadata:
    title: str = ""
    description: str = ""
    license: str = ""  # an SPDX identifier Lectern knows, or ""
    language: str = ""
    authors: str = ""


_BY_URI = {lic.uri.rstrip("/"): lic for lic in LICENSES.values()}


def license_of_uri(uri: str) -> License | None:
    """The license at `uri`, in any of the forms pages link it: http or https, with or without `deed.xx` or
    `legalcode`, with or without the last slash."""
    cleaned = uri.strip().replace("http://", "https://", 1).split("#")[0].split("?")[0]
    cleaned = re.sub(r"/(deed(\.[A-Za-z-]+)?|legalcode(\.[A-Za-z-]+)?)$", "", cleaned.rstrip("/"))
    return _BY_URI.get(cleaned.rstrip("/"))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.licenses: list[str] = []
        self.language = ""
        self.title = ""
        self.json_ld: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "html" and not self.language:
            self.language = values.get("lang", "")
        elif tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key and key not in self.meta and values.get("content"):
                self.meta[key] = values["content"]
        elif tag in ("link", "a") and "license" in values.get("rel", "").lower().split():
            self.licenses.append(values.get("href", ""))
        elif tag == "title" and not self.title:
            self._in = "title"
        elif tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self._in = "json-ld"
            self.json_ld.append("")

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "json-ld":
            self.json_ld[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("title", "script"):
            self._in = None


def read_page_metadata(html: str) -> PageMetadata:
    collector = _Collector()
    collector.feed(html[:2_000_000])
    collector.close()
    meta = collector.meta
    candidates = [*collector.licenses, *_json_ld_licenses(collector.json_ld), meta.get("dc.rights", "")]
    found = next((lic for lic in (license_of_uri(c) for c in candidates if c) if lic), None)
    return PageMetadata(
        title=_one_line(meta.get("og:title") or collector.title or meta.get("twitter:title", "")),
        description=_one_line(meta.get("og:description") or meta.get("description", "")),
        license=found.identifier if found else "",
        language=_one_line(collector.language)[:35],
        authors=_one_line(meta.get("author", "")),
    )


def _json_ld_licenses(blocks: list[str]) -> list[str]:
    found: list[str] = []

    def walk(value: Any, depth: int) -> None:
        if depth > 6 or len(found) > 10:
            return
        if isinstance(value, dict):
            license_value = value.get("license")
            if isinstance(license_value, str):
                found.append(license_value)
            elif isinstance(license_value, dict) and isinstance(
                license_value.get("id") or license_value.get("@id"), str
            ):
                found.append(license_value.get("id") or license_value["@id"])
            for child in value.values():
                walk(child, depth + 1)
        elif isinstance(value, list):
            for child in value[:50]:
                walk(child, depth + 1)

    for block in blocks[:5]:
        try:
            walk(json.loads(block), 0)
        except (ValueError, RecursionError):
            continue
    return found


def _one_line(text: str) -> str:
    return " ".join(text.split())[:MAX_FIELD]
