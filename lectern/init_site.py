"""`lectern init DIR`: a new Lectern site, ready for `lectern check`, `lectern build` and `lectern serve`.

It copies the site template (`lectern.resources.site_template()`): a commented `pelicanconf.py`, an example
collection with two resources (a link and a hosted file), a `.gitignore` and a README for the educator; then, when
git is installed, it makes the folder a git repository. It never writes into a folder that holds anything.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lectern.errors import LecternError
from lectern.resources import site_template

# Files stored under another name in the template, so that packaging tools do not drop or misread them.
RENAMED = {"gitignore": ".gitignore"}


class FolderNotEmpty(LecternError):
    pass


@dataclass(frozen=True)
class NewSite:
    folder: Path
    files: tuple[str, ...]
    git: bool  # whether the folder is now a git repository


def init_site(folder: Path, force: bool = False) -> NewSite:
    """Create a site in `folder`, which must not exist, or (with `force`) be an empty folder."""
    folder = folder.expanduser()
    if folder.exists():
        if not folder.is_dir():
            raise FolderNotEmpty(f"{folder} is a file; choose a new folder name, e.g. lectern init my-library")
        if any(folder.iterdir()):
            raise FolderNotEmpty(f"{folder} is not empty; choose a new folder, so that nothing in it is overwritten")
        if not force:
            raise FolderNotEmpty(f"{folder} already exists; add --force to make the site in this empty folder")
    template = site_template()
    written = []
    for source in sorted(template.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(template)
        relative = relative.with_name(RENAMED.get(relative.name, relative.name))
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(relative.as_posix())
    return NewSite(folder, tuple(written), _git_init(folder))


def _git_init(folder: Path) -> bool:
    git = shutil.which("git")
    if git is None:
        return False
    try:
        done = subprocess.run([git, "init", "--quiet", str(folder)], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def cmd_init(args: argparse.Namespace, _settings: None) -> int:
    site = init_site(Path(args.folder), force=args.force)
    print(f"Made a new Lectern site in {site.folder}, with an example collection in content/fractions/.")
    if not site.git:
        print("git is not installed, so the folder is not a git repository yet; run 'git init' in it later.")
    print(f"Next: cd {site.folder} && lectern check && lectern serve  (README.md explains the rest)")
    return 0


def add_command(commands: Any) -> None:
    init = commands.add_parser(
        "init",
        help="make a new site in a new folder",
        description="Make a new Lectern site: settings, an example collection, a .gitignore and a README, "
        "in a new folder (made a git repository when git is installed).",
    )
    init.add_argument("folder", metavar="DIR", help="the new site's folder (it must not exist yet)")
    init.add_argument("--force", action="store_true", help="use DIR even though it exists (it must be empty)")
    init.set_defaults(run=cmd_init, without_settings=True)
