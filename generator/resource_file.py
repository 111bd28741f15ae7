"""One resource file read into a `Resource`, with a problem for each mistake in it (file, line, field, and what to
write instead): `generator.content_loader` reads every file of a site with it, and `lectern.quick_rebuild` the files
edited since the last build. See docs/content-format.md for the format.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from pathlib import Path

from lectern.generator.content_model import LEVELS, RESOURCE_TYPES, Collection, Resource
from lectern.generator.errors import Problem
from lectern.generator.field_rules import FieldReader, is_in_future, split_list
from lectern.generator.front_matter import parse_front_matter
from lectern.generator.note_images import picture_problems, pictures
from lectern.generator.subject_areas import read_areas

__all__ = ["RESOURCE_FIELDS", "RESOURCE_SLUG", "read_resource"]

RESOURCE_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
RESOURCE_FIELDS = (
    "title",
    "summary",
    "link",
    "files",
    "license",
    "language",
    "level",
    "subjects",
    "areas",
    "type",
    "tags",
    "authors",
    "added",
    "updated",
    "slug",
    "unit",
)


def read_resource(
    path: Path, rel: str, text: str, collection: Collection, zone: tzinfo, now: datetime, problems: list[Problem]
) -> Resource | None:
    before = len(problems)
    front, parse_problems = parse_front_matter(rel, text)
    problems.extend(parse_problems)
    reader = FieldReader(rel, front.fields, problems)
    title = reader.text("title", True, 200, "Fractions on a number line")
    summary = reader.text("summary", True, 500, "What it is and who it is for.")
    link = reader.url("link")
    files_field = reader.raw("files", False, "")
    files: list[str] = []
    if files_field is not None:
        names = split_list(files_field.value)
        if not names:
            reader.nothing_listed(files_field, "name the files in the collection's folder, e.g. 'files: worksheet.pdf'")
        for name in names:
            found = reader.local_file("files", name, files_field.line, path.parent)
            if found:
                files.append(found)
    if link is None and not files and not any(p.field in ("link", "files") for p in problems[before:]):
        reader.problem(
            reader.line_of("link") if "link" in front.fields else reader.line_of("files"),
            "link",
            "the resource has neither a link nor files",
            "add 'link: https://...' to the material, or 'files: worksheet.pdf' for a file you host",
        )
    license_ = reader.license("license")
    language = reader.language("language", True)
    levels = reader.choices("level", LEVELS, True, single=False)
    subjects = reader.items("subjects", True, "mathematics, fractions")
    areas = read_areas(reader, subjects)
    types = reader.choices("type", RESOURCE_TYPES, True, single=True)
    tags = reader.hashtags("tags")
    authors = reader.items("authors", True, "OpenStax")
    added = reader.date("added", True, zone)
    updated = reader.date("updated", False, zone)
    unit = reader.text("unit", False, 200, "Unit 1: variables and loops") or None
    slug_field = reader.raw("slug", False, "")
    slug = slug_field.value if slug_field else path.stem
    if any(char.isspace() for char in path.name):
        reader.problem(
            1,
            "file name",
            f"the file name {path.name!r} has a space",
            f"rename the file without spaces, e.g. {'-'.join(path.name.lower().split())!r}",
        )
    elif not RESOURCE_SLUG.match(slug):
        reader.problem(
            slug_field.line if slug_field else 1,
            "slug",
            f"{slug!r} cannot be part of a web address",
            "use lower-case letters, digits and hyphens"
            + ("" if slug_field else " in the file name, or add a 'slug:' line"),
        )
    if added and updated and updated < added:
        reader.problem(
            reader.line_of("updated"),
            "updated",
            "is before the date in 'added'",
            "write a date on or after 'added'",
        )
    for name, moment in (("added", added), ("updated", updated)):
        if moment and is_in_future(moment, now):
            reader.problem(
                reader.line_of(name),
                name,
                "is in the future",
                "write today's date or an earlier one",
            )
    reader.unknown_fields(RESOURCE_FIELDS)
    page = f"/{collection.slug}/{slug}/"
    hosted = [f"/{collection.slug}/files/{name}" for name in files]
    problems.extend(picture_problems(rel, pictures(front.body, front.body_line), page, hosted, "../files"))
    if len(problems) > before or license_ is None or added is None or not types:
        return None
    return Resource(
        collection=collection.slug,
        slug=slug,
        title=title,
        summary=summary,
        link=link,
        files=tuple(files),
        license=license_,
        language=language,
        levels=levels,
        subjects=subjects,
        areas=areas,
        resource_type=types[0],
        tags=tags,
        authors=authors,
        added=added,
        updated=updated,
        notes=front.body.strip(),
        source_path=rel,
        unit=unit,
    )
