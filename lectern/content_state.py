"""What a build read besides its settings, theme and code, as the file system describes it: the quick rebuild's
way to find the files edited since the last build without reading any (`lectern.quick_rebuild`).

`scan_content` notes each file below the content folder by its size, times and inode, the state of the git
repository holding it (the publication history is read from git: a commit can change what a build makes, and so can
a file the index holds that the work tree lost), and the record of first publications in the instance folder.
`edited_since` compares two scans as git compares its index with the work tree: a file whose size, times and inode
are unchanged is unchanged, unless it changed too close to the earlier scan for its times to tell (a file system's
clock ticks in steps: a file written twice within one step keeps its first time), in which case it counts as edited
and is read again.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

from lectern.generator.publication_history import FIRST_PUBLISHED_FILE
from lectern.incremental_output import file_states

__all__ = ["COARSE_RACY_MARGIN_NS", "RACY_MARGIN_NS", "ContentState", "edited_since", "scan_content", "with_own_writes"]

FileState = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
# a file changed less than this before a scan may change again with the same times: the kernel stamps files with a
# clock that ticks every few milliseconds (and lags the clock a scan reads by up to a tick); a file system whose
# times are whole seconds (FAT: 2 s) gets the larger margin
RACY_MARGIN_NS = 100_000_000
COARSE_RACY_MARGIN_NS = 2_000_000_000


@dataclass(frozen=True)
class ContentState:
    started_ns: int  # the clock just before the scan
    files: dict[str, FileState]  # every file below the content folder, by its '/'-separated path there
    others: tuple[tuple[str, FileState | None, str], ...]  # git's HEAD, index and refs; the first-published record


def _state(stat: os.stat_result) -> FileState:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def scan_content(content_dir: Path, instance_dir: Path) -> ContentState:
    started = time.time_ns()
    files = file_states(content_dir, _state, follow_symlinks=True)  # (a linked file's edits are its target's)
    others = [_noted(instance_dir / FIRST_PUBLISHED_FILE)]
    others += git_state(content_dir)
    return ContentState(started, files, tuple(others))


def with_own_writes(state: ContentState, instance_dir: Path) -> ContentState:
    """`state`, with the first-published record as the build that scanned it has left it (a build records there
    the resources it saw first)."""
    return replace(state, others=(_noted(instance_dir / FIRST_PUBLISHED_FILE), *state.others[1:]))


def _noted(path: Path, text: bool = False) -> tuple[str, FileState | None, str]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), None, "")
    content = ""
    if text:
        try:
            content = path.read_text(encoding="utf-8", errors="replace")[:1000]
        except OSError:
            content = ""
    return (str(path), _state(stat), content)


def git_state(folder: Path) -> list[tuple[str, FileState | None, str]]:
    """What changes with a commit, a checkout or a removal staged: HEAD (and what it says), the branch it names and
    the packed refs of the repository holding `folder`, and the files of `folder` deleted from its work tree (none
    of these outside a repository)."""
    git_dir = _git_dir(folder.resolve())
    if git_dir is None:
        return []
    head = _noted(git_dir / "HEAD", text=True)
    common = git_dir
    pointer = git_dir / "commondir"  # a linked worktree keeps its refs in the main repository
    if pointer.is_file():
        common = (git_dir / pointer.read_text(encoding="utf-8").strip()).resolve()
    noted = [head, _deleted_in_work_tree(folder), _noted(common / "packed-refs")]
    if head[2].startswith("ref:"):
        noted.append(_noted(common / head[2][4:].strip()))
    return noted


def _deleted_in_work_tree(folder: Path) -> tuple[str, FileState | None, str]:
    """The files of `folder` git's index holds and the work tree does not (the publication history reads them as
    removals). Not the index file's times: an editor's `git status` rewrites it after every save."""
    try:
        found = subprocess.run(
            ["git", "-C", str(folder), "ls-files", "--deleted", "-z"], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ("git ls-files --deleted", None, "")
    listed = found.stdout.decode("utf-8", "replace") if found.returncode == 0 else f"exit {found.returncode}"
    return ("git ls-files --deleted", None, listed)


def _git_dir(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():  # a linked worktree or a submodule: "gitdir: <path>"
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                return (candidate / text[7:].strip()).resolve()
            return None
    return None


def edited_since(before: ContentState, now: ContentState) -> list[str] | None:
    """The files of `now` that may differ from what they were at `before` (sorted); None when a file was added or
    removed, or the git repository or the first-published record changed."""
    if before.others != now.others or before.files.keys() != now.files.keys():
        return None
    whole_seconds = all(state[1] % 1_000_000_000 == 0 for state in before.files.values())
    racy = before.started_ns - (COARSE_RACY_MARGIN_NS if whole_seconds else RACY_MARGIN_NS)
    return sorted(
        path
        for path, state in now.files.items()
        for earlier in (before.files[path],)
        if state != earlier or earlier[1] >= racy
    )
