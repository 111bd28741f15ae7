"""Files under `content/` that Lectern does not read but the site builder (Pelican) would: resources in a
collection's sub-folder, `.markdown`, `.rst`, `.html` or `.MD` files anywhere, `.md` files in a hidden folder. Each is
a problem, so that what `lectern check` accepts is exactly what `lectern build` publishes.
"""

from __future__ import annotations

from pathlib import Path

from lectern.generator.errors import Problem

# Files the site builder (Pelican) would read as pages, which Lectern does not: a problem wherever they are.
MARKDOWN_SUFFIXES = (".markdown", ".mkd", ".mdown", ".md")
UNREAD_SUFFIXES = (*MARKDOWN_SUFFIXES, ".rst", ".html", ".htm")


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def check_subfolders(content_dir: Path, root: Path) -> list[Problem]:
    problems = []
    for path in sorted(content_dir.glob("*/*/**/*.md")):
        if path.relative_to(content_dir).parts[0] == "pages":
            continue
        problems.append(
            Problem(
                _rel(path, root),
                1,
                "collection",
                "resources inside a sub-folder of a collection are not read",
                "move the file up into the collection's folder",
            )
        )
    return problems


def unread_files(content_dir: Path, root: Path) -> list[Problem]:
    """Files the site builder would read as pages but Lectern does not: `.markdown`, `.rst`, `.html`, `.MD`
    anywhere, and `.md` files in a hidden folder (`content/.drafts/`), which Pelican reads too."""
    problems = []
    for path in sorted(content_dir.rglob("*")):
        parts = path.relative_to(content_dir).parts
        suffix = path.suffix
        if parts[0] == "pages" or suffix.lower() not in UNREAD_SUFFIXES or not path.is_file():
            continue
        if suffix == ".md":
            if len(parts) == 2 and parts[0].startswith("."):  # deeper ones are in _check_subfolders
                problems.append(
                    Problem(
                        _rel(path, root),
                        1,
                        "collection",
                        f"the folder {parts[0]}/ is hidden (its name starts with '.'), so Lectern does not read it, "
                        "but the site builder would take the file for a page of its own",
                        "move the file into a collection's folder, or out of content/",
                    )
                )
            continue
        if suffix.lower() in MARKDOWN_SUFFIXES:
            valid = f"rename it to {path.stem}.md"
        else:
            valid = (
                f"write it as {path.stem}.md (Markdown with front matter, see docs/content-format.md), or move it "
                f"out of content/ (to host it as a file, put it in a .zip and list that under 'files:')"
            )
        problems.append(
            Problem(
                _rel(path, root),
                1,
                "file",
                f"Lectern reads only .md files, so this {suffix} file is not read (and the site builder would take "
                "it for a page of its own)",
                valid,
            )
        )
    return problems
