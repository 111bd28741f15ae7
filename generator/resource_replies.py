"""Each resource's approved replies and reaction counts, read from `<slug>.replies.json` beside its Markdown file
(`lectern.reply_files`, written by `lectern review`), checked like every content file.

A replies file that cannot be read is a problem naming the file and the field at fault, as for any content file,
so `check` and `build` agree; one beside no resource (its `.md` renamed or removed) is a problem too, since its
replies would silently vanish from the site.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from lectern.generator.content_model import Resource
from lectern.generator.errors import Problem
from lectern.reply_files import REPLY_FILE_SUFFIX, ReplyFileError, read_reply_file, reply_file_of


def with_replies(
    resources: list[Resource], collection_folders: list[Path], root: Path
) -> tuple[list[Resource], list[Problem]]:
    """`resources` with their conversations read, and the problems of the replies files in `collection_folders`."""
    problems: list[Problem] = []
    found: list[Resource] = []
    owned: set[Path] = set()
    # the replies files there are, found once per folder: most resources have none, and trying to open each one's
    # was a tenth of reading a site of 5,000 resources again
    present = {folder: sorted(folder.glob(f"*{REPLY_FILE_SUFFIX}")) for folder in collection_folders}
    anywhere = {path for paths in present.values() for path in paths}
    for resource in resources:
        path = reply_file_of(root / resource.source_path)
        owned.add(path)
        if path not in anywhere:
            found.append(resource)
            continue
        try:
            conversation = read_reply_file(path)
        except ReplyFileError as error:
            problems.append(Problem(_rel(path, root), 1, error.field, "cannot be read", error.message))
            conversation = None
        if conversation is not None and not conversation.is_empty:
            resource = replace(resource, conversation=conversation)
        found.append(resource)
    for folder in collection_folders:
        for path in present[folder]:
            stem = path.name.removesuffix(REPLY_FILE_SUFFIX)
            if path not in owned and path.is_file() and not (folder / f"{stem}.md").exists():
                problems.append(
                    Problem(
                        _rel(path, root),
                        1,
                        "replies",
                        f"these are the replies of {stem}.md, which is not in this folder",
                        f"restore {stem}.md, or delete this file if its replies should go",
                    )
                )
    return found, problems


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
