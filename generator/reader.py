"""A Pelican reader for Lectern's Markdown: the same front matter parser as `lectern check`, so both agree.

It hands Pelican the metadata it knows (title, date, modified, tags, category, slug, summary, lang) and renders the
body, the curator's notes, with Python-Markdown (or takes the HTML from the build cache, `lectern.build_cache`, when
the same Markdown was rendered by an earlier build). Validation happens before Pelican runs (`lectern build` refuses to
start on a content problem), so this reader only translates.

In a Pelican site that adds Lectern (`generator.pelican_site`), the site's own posts and pages are Pelican's
Markdown: outside a Lectern build this reader hands every file to Pelican's own `MarkdownReader`. (Pelican registers
every subclass of `BaseReader` it finds for its extensions, so importing this module makes it the `.md` reader of
any Pelican run in the process.)
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from markdown import Markdown
from pelican.readers import BaseReader, MarkdownReader
from pelican.utils import SafeDatetime

from lectern.build_cache import active
from lectern.generator.field_rules import normalise_language, parse_date, split_list
from lectern.generator.front_matter import parse_front_matter
from lectern.generator.pelican_settings import is_lectern_build


class LecternMarkdownReader(BaseReader):  # type: ignore[misc]
    enabled = True
    file_extensions = ["md", "markdown"]

    def _markdown(self) -> Markdown:
        """One Markdown converter for every file, reset between them: building one costs more than converting a
        typical resource's notes."""
        converter: Markdown | None = getattr(self, "_converter", None)
        if converter is None:
            options = dict(self.settings.get("MARKDOWN", {}))
            options["extensions"] = [e for e in options.get("extensions", []) if "meta" not in str(e)]
            converter = Markdown(**options)
            self._converter = converter
        converter.reset()
        return converter

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        if not is_lectern_build(self.settings):
            return MarkdownReader(self.settings).read(source_path)  # type: ignore[no-any-return]
        text = Path(source_path).read_text(encoding="utf-8")
        front, _problems = parse_front_matter(source_path, text)
        cache = active()
        if cache is None:
            content = self._markdown().convert(front.body)
        else:
            content = cache.markdown(front.body, lambda text: str(self._markdown().convert(text)))
        fields = {name: field.value for name, field in front.fields.items()}
        metadata: dict[str, Any] = {"category": self.process_metadata("category", Path(source_path).parent.name)}
        if "title" in fields:
            metadata["title"] = fields["title"]
        if "summary" in fields:
            metadata["summary"] = f"<p>{escape(fields['summary'])}</p>"
        if "slug" in fields:
            metadata["slug"] = fields["slug"]
        if "language" in fields:
            metadata["lang"] = normalise_language(fields["language"])
        if "tags" in fields:
            metadata["tags"] = self.process_metadata(
                "tags", ", ".join(tag.removeprefix("#") for tag in split_list(fields["tags"]))
            )
        if "authors" in fields:
            metadata["authors"] = self.process_metadata("authors", fields["authors"])
        for ours, theirs in (("added", "date"), ("updated", "modified")):
            if ours in fields:
                moment = parse_date(fields[ours], _zone(self.settings))
                if moment is not None:
                    metadata[theirs] = SafeDatetime.fromtimestamp(moment.timestamp(), tz=moment.tzinfo)
        return content, metadata


def _zone(settings: dict[str, Any]) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.get("TIMEZONE") or "UTC")
