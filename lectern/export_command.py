"""`lectern export COLLECTION`: write a collection as an IMS Common Cartridge for Moodle, Canvas or Brightspace.

The I/O around `generator.cartridge.export_cartridge`: load and check the content, read the collection's hosted
files, render its description, write the `.imscc` (replacing a previous one in one step). See docs/lms.md for the
import steps in each LMS.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lectern.atomic_files import replace_file
from lectern.errors import LecternError
from lectern.generator.cartridge import cartridge_filename, export_cartridge
from lectern.generator.cartridge_manifest import VERSIONS
from lectern.generator.content_loader import load_site
from lectern.generator.content_model import Site
from lectern.generator.theme_context import markdown_renderer
from lectern.settings import Settings


def collection_cartridge(site: Site, slug: str, settings: Settings, version: str = "1.1") -> bytes:
    """The cartridge of the collection `slug` of `site` (read from `settings.content_dir`)."""
    try:
        collection = site.collection(slug)
    except KeyError:
        known = ", ".join(c.slug for c in site.collections) or "none"
        raise LecternError(f"there is no collection {slug!r}; the collections are: {known}") from None
    resources = site.resources_of(slug)
    folder = settings.content_dir / slug
    files = {name: (folder / name).read_bytes() for resource in resources for name in resource.files}
    description = markdown_renderer({})(collection.description) if collection.description else ""
    return export_cartridge(collection, resources, files, settings.site_url, description, VERSIONS[version])


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    site, problems = load_site(settings.content_dir, ZoneInfo(settings.timezone), frozenset({settings.site_actor}))
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        raise LecternError(f"the content has {len(problems)} problem(s); nothing was exported")
    data = collection_cartridge(site, args.collection, settings, args.cc_version)
    target = Path(args.cartridge_file or cartridge_filename(args.collection))
    if not target.parent.is_dir():
        raise LecternError(f"the folder {target.parent} does not exist; create it, or give another --output")
    try:
        replace_file(target, data)
    except PermissionError as error:
        raise LecternError(f"cannot write {target} ({error.strerror}); give another --output") from error
    print(f"Wrote {target} (IMS Common Cartridge {args.cc_version}, {len(data):,} bytes).")
    return 0


def add_command(commands: Any) -> None:
    """Register `lectern export` on the `lectern` command's subparsers."""
    export = commands.add_parser(
        "export",
        help="write a collection as an IMS Common Cartridge (.imscc) for Moodle, Canvas, Brightspace",
        description="Write the collection as an IMS Common Cartridge: one item per resource (links as Web Links, "
        "hosted files inside the package), grouped by 'unit', with each resource's license and a cover page "
        "crediting every resource. Import it as a course; see docs/lms.md.",
    )
    export.add_argument("collection", help="the collection's handle (its folder name under content/)")
    export.add_argument(
        "--output", dest="cartridge_file", metavar="FILE", help="where to write it (default: COLLECTION.imscc)"
    )
    export.add_argument(
        "--cc-version",
        choices=sorted(VERSIONS),
        default="1.1",
        help="the Common Cartridge version (default: 1.1, which most LMSs import; 1.3 is the latest)",
    )
    export.set_defaults(run=cmd_export)
