"""What one build keeps for the next: rendered Markdown and pictures, so a rebuild redoes only what changed.

The cache lives beside the output, in `.lectern-cache/<output folder name>/` (gitignored): it describes how one
output folder was made, it must work where there is no instance folder (a CI build gets its key from the
environment), and deleting an output and its cache together is one `rm -rf`.

Every entry is keyed by the bytes it was made from, so an edited file simply misses. Everything else a build's
output depends on (the settings file and the settings as resolved, the theme's files, the code of Lectern and the
versions of Pelican, Markdown and resvg) is folded into one fingerprint; the cache's entries live in a folder named
after it, so a change of settings, theme or code starts from an empty cache, and the folders of other fingerprints
are deleted. A build keeps only the entries it used, so the cache never grows past one build's worth.

What is cached:
- the HTML of each resource's Markdown notes (`markdown.json`, by a hash of the Markdown text);
- PNG pictures drawn at build time, the actors' avatars and headers and the default link card (`png/`, by a hash
  of what was drawn);
- the SHA-256 of each resource page and tag page, feed, cartridge and ActivityPub document of a resource
  (`pages.json`, by a hash of what the file is made from, `generator.page_memo`): an incremental build need not
  make a file whose digest is the one the output already holds;
- the theme's templates compiled by Jinja (`templates/`, Jinja's own bytecode cache, by template and source).

`lectern build` activates the cache around the Pelican run (`activated`); the generator asks `active()` and works
without one (a plain `pelican` run, or a test of a single function).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import fields
from importlib import metadata
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from lectern import __version__
from lectern.settings import Settings

__all__ = [
    "BuildCache",
    "activated",
    "active",
    "cache_root",
    "code_digest",
    "fingerprint",
    "instance_public_key",
    "memoised_bytes",
]

logger = logging.getLogger(__name__)

CACHE_FOLDER = ".lectern-cache"
MARKDOWN_FILE = "markdown.json"
PAGES_FILE = "pages.json"
PNG_FOLDER = "png"
TEMPLATES_FOLDER = "templates"
# the packages whose code makes the output: a change in any of their files is a change of fingerprint
CODE_PACKAGES = (".", "generator")  # below the lectern package: its own modules, and the generator's
LIBRARIES = ("pelican", "markdown", "resvg_py", "jinja2", "pygments")


def cache_root(output: Path) -> Path:
    return output.parent / CACHE_FOLDER / output.name


PUBLIC_KEY_FILE = "public-key.json"  # beside the private key, as ssh-keygen keeps id_rsa.pub beside id_rsa


def instance_public_key(instance_dir: Path) -> str:
    """The public key (PEM) of the instance's private key, created on first use (`lectern.keys`). It is kept beside
    the private key by a hash of the key file, so the next build reads it back instead of loading the key: the
    cryptography library is 6 MB of a build's memory. Any change of the key file is a new hash; a record that
    cannot be written (a full disk) only means the next build derives the key again."""
    from lectern.keys import private_key_path

    key_file = private_key_path(instance_dir)
    record = key_file.with_name(PUBLIC_KEY_FILE)
    digest = _key_file_digest(key_file)
    if digest is not None:
        try:
            remembered = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            remembered = None
        if isinstance(remembered, dict) and remembered.get("key_file") == digest:
            pem = remembered.get("public_key")
            if isinstance(pem, str):
                return pem
    from lectern.keys import load_or_create_private_key, public_key_pem

    pem = public_key_pem(load_or_create_private_key(instance_dir))
    digest = _key_file_digest(key_file)  # (created just now, perhaps)
    if digest is not None:
        with contextlib.suppress(OSError):
            _replace(record, json.dumps({"key_file": digest, "public_key": pem}).encode("utf-8"))
    return pem


def _key_file_digest(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return hashlib.sha256(b"lectern: the private key file whose public key this is\0" + data).hexdigest()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_digest(folder: Path, pattern: str = "*") -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _replace(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all (no fsync: a cache lost in a power cut is only rebuilt)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _replace_json(path: Path, mapping: Mapping[str, str]) -> None:
    """`mapping` as a JSON object, written whole or not at all, one entry at a time: the text of the whole file at
    once (and its bytes) was the peak of a build's memory on a site of 5,000 resources."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        separator = "{\n"
        for key in sorted(mapping):
            handle.write(f"{separator}{encode_basestring(key)}:{encode_basestring(mapping[key])}")
            separator = ",\n"
        handle.write("{}\n" if not mapping else "\n}\n")
    os.replace(temporary, path)


def _library_versions() -> str:
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return ",".join(versions)


def fingerprint(settings: Settings) -> str:
    """Everything a build's output depends on besides the content, as one hash."""
    digest = hashlib.sha256()
    # the output folder is where, not what; `pelican` is the settings file's own namespace, hashed as a file below
    skipped = ("output_dir", "pelican")
    resolved = {f.name: str(getattr(settings, f.name)) for f in fields(settings) if f.name not in skipped}
    digest.update(json.dumps(resolved, sort_keys=True).encode("utf-8"))
    digest.update(settings.settings_file.read_bytes())
    digest.update(tree_digest(settings.theme_dir).encode("ascii"))
    digest.update(code_digest().encode("ascii"))
    return digest.hexdigest()


def code_digest() -> str:
    """Lectern's code and the versions of the libraries that make its output, as one hash."""
    digest = hashlib.sha256()
    code = Path(__file__).parent  # not resolved: in a checkout, lectern/generator is a link to generator/
    for package in CODE_PACKAGES:
        digest.update(tree_digest(code / package, "*.py").encode("ascii"))
    digest.update(f"{__version__};{_library_versions()}".encode())
    return digest.hexdigest()


class BuildCache:
    """The cache of one output folder for one fingerprint; see the module docstring."""

    def __init__(self, root: Path, key: str) -> None:
        self.root = root
        self.folder = root / key[:32]
        self._markdown: dict[str, str] | None = None
        self._markdown_used: dict[str, str] = {}
        self._markdown_kept: set[str] = set()
        self.last_markdown: str | None = None  # the key of the last text `markdown` was asked for
        self._png_used: set[str] = set()
        self._pages: dict[str, str] | None = None
        self.pages_made: dict[str, str] = {}

    @classmethod
    def for_build(cls, settings: Settings) -> BuildCache:
        return cls(cache_root(settings.output_dir), fingerprint(settings))

    # Markdown ------------------------------------------------------------------------------------------------

    def markdown(self, text: str, render: Callable[[str], str]) -> str:
        if self._markdown is None:
            self._markdown = self._load_markdown()
        key = _digest(text.encode("utf-8"))
        html = self._markdown.get(key)
        if html is None:
            html = render(text)
        self._markdown_used[key] = html
        self.last_markdown = key
        return html

    def keep_markdown(self, keys: Iterable[str]) -> None:
        """Keep the HTML of the texts of these keys, which this build did not ask for (the notes of the articles it
        restored, `generator.article_memo`): a later build that must read their files again finds it."""
        self._markdown_kept.update(keys)

    def _load_markdown(self) -> dict[str, str]:
        return self._load_json(MARKDOWN_FILE)

    # Pages ---------------------------------------------------------------------------------------------------

    def page_digest(self, key: str) -> str | None:
        """The SHA-256 of the page an earlier build rendered from inputs hashed as `key`."""
        if self._pages is None:
            self._pages = self._load_json(PAGES_FILE)
        return self._pages.get(key)

    def _load_json(self, name: str) -> dict[str, str]:
        try:
            loaded = json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    # Pictures ------------------------------------------------------------------------------------------------

    def png(self, what: str, draw: Callable[[], bytes]) -> bytes:
        key = _digest(what.encode("utf-8"))
        path = self.folder / PNG_FOLDER / f"{key}.png"
        self._png_used.add(path.name)
        with contextlib.suppress(OSError):
            return path.read_bytes()
        data = draw()
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, data)
        return data

    # Templates -----------------------------------------------------------------------------------------------

    def template_bytecode(self) -> Any:
        """A Jinja bytecode cache in this cache's folder, for an environment's `bytecode_cache`."""
        from jinja2 import FileSystemBytecodeCache

        folder = self.folder / TEMPLATES_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        return FileSystemBytecodeCache(str(folder))

    # Another process of the build ------------------------------------------------------------------------------

    def learnt(self) -> tuple[dict[str, str], set[str], dict[str, str]]:
        """What this build used and made, for `merge_learnt` in the copy of another process of the build
        (`generator.forked_work`)."""
        return dict(self.pages_made), set(self._png_used), dict(self._markdown_used)

    def merge_learnt(self, learnt: tuple[dict[str, str], set[str], dict[str, str]]) -> None:
        pages, pngs, markdown = learnt
        self.pages_made.update(pages)
        self._png_used |= pngs
        if markdown and self._markdown is None:
            self._markdown = self._load_markdown()
        self._markdown_used.update(markdown)

    # Keeping -------------------------------------------------------------------------------------------------

    def save(self) -> None:
        """Keep what this build used, drop the rest, and the folders of other fingerprints."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._markdown is not None:
            kept = {k: self._markdown[k] for k in self._markdown_kept if k in self._markdown}
            wanted = {**kept, **self._markdown_used}
            if wanted != self._markdown:
                _replace_json(self.folder / MARKDOWN_FILE, wanted)
        if self.pages_made != (self._pages if self._pages is not None else {}):
            _replace_json(self.folder / PAGES_FILE, self.pages_made)
        pngs = self.folder / PNG_FOLDER
        if pngs.is_dir():
            for entry in os.scandir(pngs):
                if entry.name not in self._png_used:
                    os.unlink(entry.path)
        for other in self.root.iterdir():
            if other != self.folder and other.is_dir():
                logger.info("deleting %s, the cache of other settings, theme or code", other)
                shutil.rmtree(other, ignore_errors=True)


_active: BuildCache | None = None


def active() -> BuildCache | None:
    return _active


@contextlib.contextmanager
def activated(cache: BuildCache | None) -> Iterator[None]:
    """Make `cache` the one the generator uses while the block runs."""
    global _active
    previous, _active = _active, cache
    try:
        yield
    finally:
        _active = previous


def memoised_bytes(what: str, draw: Callable[[], bytes]) -> bytes:
    """`draw()`, or what it gave for the same `what` in an earlier build, when a build cache is active."""
    cache = _active
    return draw() if cache is None else cache.png(what, draw)
