"""Read `content/` into a `Site`, collecting every problem with its file and line.

A collection is a folder directly under `content/` holding a `collection.md`; each other `.md` file in it is a
resource. See docs/content-format.md for the format. Whatever the site builder would read besides (a `.markdown`,
`.rst` or `.html` file) is a problem, so that what `check` accepts is exactly what `build` publishes. `load_site`
never raises for a content mistake: it returns the problems, and `lectern check` prints them, `lectern build`
refuses to write anything while there are any.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from lectern.generator.content_model import QUOTE_POLICIES, Collection, Resource, Site
from lectern.generator.errors import Problem
from lectern.generator.field_rules import FieldReader
from lectern.generator.front_matter import parse_front_matter
from lectern.generator.note_images import Picture, picture_problems, pictures
from lectern.generator.resource_file import read_resource
from lectern.generator.resource_memo import ResourceMemo
from lectern.generator.resource_replies import with_replies
from lectern.generator.stray_files import check_subfolders, unread_files

COLLECTION_FILE = "collection.md"
SLUG = re.compile(r"^[a-z][a-z0-9-]{1,29}$")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
# Top-level names the site itself uses; a collection folder cannot take them.
RESERVED_SLUGS = frozenset(
    {
        "ap",
        "pages",
        "theme",
        "static",
        "tag",
        "tags",
        "feeds",
        "nodeinfo",
        "files",
        "category",
        "author",
        "archives",
        "inbox",
        "search",
        "well-known",
    }
)

COLLECTION_FIELDS = ("title", "summary", "curator", "language", "tags", "image", "classroom", "quotes")


def load_site(
    content_dir: Path,
    zone: tzinfo = UTC,
    reserved: frozenset[str] = frozenset(),
    now: datetime | None = None,
    folders: frozenset[str] | None = None,
    memo: ResourceMemo | None = None,
) -> tuple[Site, list[Problem]]:
    """Load every collection and resource under `content_dir`; problems are sorted by file and line.

    With `folders`, only those folders of `content_dir` are Lectern's (a Pelican site's own posts and pages live
    beside them): each must be a collection, and nothing outside them is checked. With `memo`, a resource file
    read without a problem by an earlier build is not read again (`generator.resource_memo`)."""
    now = now or datetime.now(UTC)
    problems: list[Problem] = []
    root = content_dir.parent
    collections: list[Collection] = []
    collection_pictures: dict[str, list[Picture]] = {}
    resources: list[Resource] = []
    if not content_dir.is_dir():
        problems.append(
            Problem(
                str(content_dir),
                1,
                "content",
                "the folder does not exist",
                "create it and put one folder per collection in it",
            )
        )
        return Site((), ()), problems

    for missing in sorted(name for name in folders or () if not (content_dir / name / COLLECTION_FILE).is_file()):
        problems.append(
            Problem(
                _rel(content_dir / missing, root),
                1,
                "collection",
                f"LECTERN['COLLECTIONS'] names {missing}/, which has no {COLLECTION_FILE}",
                f"add {missing}/{COLLECTION_FILE} (see docs/content-format.md) or remove {missing!r} from the list",
            )
        )
    for stray in sorted(content_dir.glob("*.md") if folders is None else ()):
        problems.append(
            Problem(
                _rel(stray, root),
                1,
                "collection",
                "this resource belongs to no collection",
                "move it into a collection's folder (a folder with a collection.md)",
            )
        )
    for folder in sorted(p for p in content_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name == "pages" or (folders is not None and folder.name not in folders):
            continue
        markdown = sorted(p for p in folder.iterdir() if p.suffix == ".md" and p.is_file())
        description = folder / COLLECTION_FILE
        if not description.is_file():
            for path in markdown if folders is None else ():  # a listed folder: one problem above
                problems.append(
                    Problem(
                        _rel(path, root),
                        1,
                        "collection",
                        f"unknown collection: the folder {folder.name}/ has no {COLLECTION_FILE}",
                        f"add {folder.name}/{COLLECTION_FILE} (see docs/content-format.md) or move the file "
                        "into a collection's folder",
                    )
                )
            continue
        collection, found = _load_collection(folder, description, root, reserved, problems)
        if collection is None:
            continue
        collections.append(collection)
        collection_pictures[collection.slug] = found
        seen: dict[str, str] = {}
        for path in markdown:
            if path.name == COLLECTION_FILE:
                continue
            resource = _load_resource(path, collection, root, zone, now, problems, memo)
            if resource is None:
                continue
            if resource.slug in seen:
                line = _slug_line(path)
                problems.append(
                    Problem(
                        resource.source_path,
                        line,
                        "slug",
                        f"the slug {resource.slug!r} is already used by {seen[resource.slug]}",
                        "give one of the two files another 'slug:' or another file name",
                    )
                )
                continue
            seen[resource.slug] = resource.source_path
            resources.append(resource)
    problems.extend(p for p in check_subfolders(content_dir, root) if _is_ours(p.path, content_dir, root, folders))
    problems.extend(p for p in unread_files(content_dir, root) if _is_ours(p.path, content_dir, root, folders))
    by_collection: dict[str, list[Resource]] = {}
    for resource in resources:
        by_collection.setdefault(resource.collection, []).append(resource)
    for collection in collections:
        mine = by_collection.get(collection.slug, [])
        problems.extend(_collection_pictures(collection, collection_pictures[collection.slug], mine))
    resources, reply_problems = with_replies(resources, [content_dir / c.slug for c in collections], root)
    problems.extend(reply_problems)
    resources.sort(key=lambda r: (r.collection, r.slug))
    return Site(tuple(collections), tuple(resources)), sorted(problems)


def _is_ours(rel: str, content_dir: Path, root: Path, folders: frozenset[str] | None) -> bool:
    """Whether the file at `rel` (relative to `root`) is in one of Lectern's `folders` (all of them: None)."""
    if folders is None:
        return True
    parts = (root / rel).relative_to(content_dir).parts
    return len(parts) > 1 and parts[0] in folders


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _read(path: Path, root: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        problems.append(
            Problem(
                _rel(path, root),
                1,
                "encoding",
                f"the file is not UTF-8 text ({error.reason})",
                "save the file as UTF-8",
            )
        )
    except OSError as error:
        problems.append(
            Problem(
                _rel(path, root),
                1,
                "file",
                f"cannot read it ({error.strerror})",
                "check the file's permissions",
            )
        )
    return None


def _load_collection(
    folder: Path, path: Path, root: Path, reserved: frozenset[str], problems: list[Problem]
) -> tuple[Collection | None, list[Picture]]:
    """The collection described by `path`, and the pictures its description shows (checked once its resources'
    files are known)."""
    rel = _rel(path, root)
    if not SLUG.match(folder.name) or folder.name in RESERVED_SLUGS | reserved:
        taken = folder.name in RESERVED_SLUGS | reserved
        problems.append(
            Problem(
                rel,
                1,
                "folder",
                f"{folder.name!r} {'is a name the site itself uses' if taken else 'cannot be a collection handle'}",
                "rename the folder: 2 to 30 lower-case letters, digits and hyphens, starting with a letter"
                + (", and not one of: " + ", ".join(sorted(RESERVED_SLUGS | reserved)) if taken else ""),
            )
        )
        return None, []
    text = _read(path, root, problems)
    if text is None:
        return None, []
    front, parse_problems = parse_front_matter(rel, text)
    problems.extend(parse_problems)
    reader = FieldReader(rel, front.fields, problems)
    title = reader.text("title", True, 200, "Python basics")
    summary = reader.text("summary", True, 500, "Free textbooks and exercises for a first programming course.")
    curator = reader.text("curator", True, 200, "Ada Lovelace")
    language = reader.language("language", True)
    tags = reader.hashtags("tags")
    image_field = reader.raw("image", False, "")
    image = None
    if image_field is not None:
        image = reader.local_file("image", image_field.value, image_field.line, folder, IMAGE_SUFFIXES)
    classroom = reader.choices("classroom", ("yes", "no"), False, True) == ("yes",)
    quotes = reader.choices("quotes", QUOTE_POLICIES, False, True) or (("nobody",) if classroom else ("everyone",))
    reader.unknown_fields(COLLECTION_FIELDS)
    body = front.body.strip()
    collection = Collection(
        folder.name, title, summary, curator, language, tags, image, body, rel, classroom, quotes[0]
    )
    return collection, pictures(front.body, front.body_line)


def _load_resource(
    path: Path,
    collection: Collection,
    root: Path,
    zone: tzinfo,
    now: datetime,
    problems: list[Problem],
    memo: ResourceMemo | None = None,
) -> Resource | None:
    rel = _rel(path, root)
    text = _read(path, root, problems)
    if text is None:
        return None
    key = memo.key(rel, text, collection.slug, zone) if memo is not None else ""
    if memo is not None:
        memo.file_keys[str(path)] = key
    remembered = memo.get(key) if memo is not None else None
    if remembered is not None:
        return remembered
    resource = read_resource(path, rel, text, collection, zone, now, problems)
    if memo is not None and resource is not None:
        memo.keep(key, resource)
    return resource


def _collection_pictures(collection: Collection, found: list[Picture], resources: list[Resource]) -> list[Problem]:
    """The description, shown at `/<collection>/`, may show the collection's image and its resources' files."""
    names = {name for resource in resources for name in resource.files}
    if collection.image:
        names.add(collection.image)
    hosted = [f"/{collection.slug}/files/{name}" for name in names]
    return picture_problems(collection.source_path, found, f"/{collection.slug}/", hosted, "files")


def _slug_line(path: Path) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lower().startswith("slug:"):
            return number
    return 1
