"""The cover page of a collection's cartridge: what the collection is, who curates it, and the credit every resource
needs, so that a course built from the cartridge stays license-compliant.

A self-contained HTML page (no stylesheet, script or picture from elsewhere: an LMS shows it inside its own page).
Each resource gets its TASL attribution (title, author, source, license; `generator.theme_context.credit_line`, the
same sentence its page on the site shows), and resources whose license forbids adapted versions (ND) or commercial
use (NC) are named at the top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from lectern.generator.content_model import Collection, Resource


@dataclass(frozen=True)
class ReuseLimits:
    """The resources of a collection whose license limits reuse, by title."""

    no_derivatives: tuple[str, ...]  # ND: share unchanged only
    non_commercial: tuple[str, ...]  # NC: no commercial use

    def __bool__(self) -> bool:
        return bool(self.no_derivatives or self.non_commercial)


def reuse_limits(resources: Sequence[Resource]) -> ReuseLimits:
    def elements(resource: Resource) -> list[str]:
        identifier = resource.license.identifier
        return identifier.split("-")[1:-1] if identifier.startswith("CC-") else []

    return ReuseLimits(
        tuple(r.title for r in resources if "ND" in elements(r)),
        tuple(r.title for r in resources if "NC" in elements(r)),
    )


def _limits_html(limits: ReuseLimits) -> str:
    parts = []
    if limits.no_derivatives:
        names = ", ".join(f"“{escape(t)}”" for t in limits.no_derivatives)
        parts.append(f"<li>No adapted versions (ND): {names} may only be shared unchanged.</li>")
    if limits.non_commercial:
        names = ", ".join(f"“{escape(t)}”" for t in limits.non_commercial)
        parts.append(f"<li>Non-commercial use only (NC): {names}.</li>")
    if not parts:
        return ""
    return f'<h2>Limits on reuse</h2>\n<ul class="limits">\n{"".join(parts)}\n</ul>\n'


def cover_page(
    collection: Collection,
    description_html: str,
    credits: Sequence[tuple[Resource, str]],
    collection_url: str,
) -> bytes:
    """The page's HTML; `credits` pairs each resource, in the cartridge's order, with its attribution sentence."""
    lang = escape(collection.language)
    # The description reaches the collection's files as `files/<name>` from its page; from the cover page, absolutely.
    for attribute in ("src", "href"):
        description_html = description_html.replace(f'{attribute}="files/', f'{attribute}="{collection_url}files/')
    items = "\n".join(f'<li lang="{escape(resource.language)}">{escape(credit)}</li>' for resource, credit in credits)
    link = f'<a href="{escape(collection_url)}">{escape(collection_url)}</a>'
    limits = _limits_html(reuse_limits([resource for resource, _ in credits]))
    html = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>About this collection: {escape(collection.title)}</title>
</head>
<body>
<h1>{escape(collection.title)}</h1>
<p>{escape(collection.summary)}</p>
<p>Curated by {escape(collection.curator)}. The collection online: {link}</p>
{description_html}
{limits}<h2>Credits and licenses</h2>
<p>Every resource keeps its own license. When you share or adapt one, credit it as below.</p>
<ul class="credits">
{items}
</ul>
</body>
</html>
"""
    return html.encode("utf-8")
