"""Read a built output folder for `lectern doctor`: every ActivityPub document under `ap/`, the NodeInfo links, and the
site URL the build used (from `ap/webfinger.json`), then run the rules on them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from lectern.doctor_model import JSON, Document, Problem, SiteView
from lectern.doctor_rules import check_site, nodeinfo_lists_both_versions
from lectern.manifest import MANIFEST_FILE
from lectern.site_paths import WEBFINGER_INDEX_FILE, SitePaths

NOT_ACTIVITYPUB = {WEBFINGER_INDEX_FILE, MANIFEST_FILE}  # indexes the shim reads
NODEINFO_LINKS = ".well-known/nodeinfo"


@dataclass(frozen=True)
class BuiltSite:
    """What a built folder holds: its site URL, its documents, and problems found while reading them."""

    output_dir: Path
    site_url: str
    documents: list[Document]
    unreadable: list[Problem]

    def exists(self, url: str) -> bool:
        """Whether one of the site's URLs has its file in the folder (a page's `index.html` for a URL ending in /)."""
        try:
            relative = SitePaths(self.site_url).output_file(url.split("#", 1)[0].split("?", 1)[0])
        except ValueError:
            return False
        return (self.output_dir / relative).is_file()


def _read_json(path: Path) -> tuple[JSON | None, str | None]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, str(error)
    if not isinstance(value, dict):
        return None, "it is not a JSON object"
    return value, None


def read_built_site(output_dir: Path, fallback_site_url: str) -> BuiltSite:
    """Every ActivityPub document in `output_dir`, with the site URL recorded by the build (else the settings')."""
    index, _error = _read_json(output_dir / WEBFINGER_INDEX_FILE)
    site_url = str(index.get("site_url") or fallback_site_url) if index else fallback_site_url
    paths = SitePaths(site_url.rstrip("/"))
    documents: list[Document] = []
    unreadable: list[Problem] = []
    for path in sorted((output_dir / "ap").rglob("*.json")):
        relative = path.relative_to(output_dir).as_posix()
        if relative in NOT_ACTIVITYPUB:
            continue
        value, error = _read_json(path)
        if value is None:
            unreadable.append(Problem(relative, "json", f"not readable as JSON: {error}", "rebuild the site"))
            continue
        documents.append(Document(relative, paths.url(relative), value, path.stat().st_size))
    return BuiltSite(output_dir, paths.site_url, documents, unreadable)


def check_built_site(site: BuiltSite) -> list[Problem]:
    """Every problem of the built folder: unreadable files, each document's rules, and the NodeInfo links."""
    problems = list(site.unreadable)
    problems.extend(check_site(site.documents, site.site_url, site.exists))
    links_file = site.output_dir / NODEINFO_LINKS
    links = _read_json(links_file)[0] if links_file.is_file() else None
    problems.extend(nodeinfo_lists_both_versions(NODEINFO_LINKS, links, SiteView(site.site_url, exists=site.exists)))
    return problems
