"""Pelican's articles as the previous build made them, so a rebuild does not make again those whose file is unchanged.

Pelican reads every file and makes an `Article` of it on every build: its metadata processed, its tags, category and
author made and slugified, its URLs checked; on a site of 5,000 resources that was half of a rebuild after one edit,
with the Markdown already taken from the build cache. Pelican's own generator-level content cache
(`CACHE_CONTENT`, `CONTENT_CACHING_LAYER = "generator"`) keeps a build's articles, but in a Lectern build it cannot:
each article holds the build's settings, which hold the build's own objects (the content model, the writer process's
pipe, a lock), so it cannot be pickled; and a copy of the settings restored with each article would not be this
build's settings.

`ArticleMemo` keeps each article's own attributes as Pelican made them (`keep`, right after Pelican read the file:
the attributes it had then, which come first in its `__dict__`), pickled with the two objects an article shares
with the whole build, the settings and the context, written as references (`persistent_id`) that the next build
resolves to its own (`persistent_load`). An article is found again (`get`) by the resource memo's key of its file
(its bytes, place, collection, the time zone and Lectern's code: `generator.resource_memo`) and its absolute path,
in a memo made under the locale that formats its date (`open`). The memo lives in the build cache's folder, named
by the fingerprint of the settings, the theme and the code (`lectern.build_cache`): any change of these starts from
an empty memo.

A restored article is the one reading its file makes, except for the signals Pelican sends while reading one
(`article_generator_preread`, `article_generator_context`, `content_object_init`), which are not sent again for it
(as with Pelican's own cache). So the memo is used only when Lectern is the build's only plugin (`usable`), and not
with `DEFAULT_DATE = "fs"`, which takes a date from the file's time rather than its bytes.

The file is a file of pickles by key (`generator.indexed_pickles`) made for the code's digest and the locale, its
index keeping with each entry the build cache's key of the article's Markdown notes. The build cache keeps the HTML
of the restored articles' notes although no reader asked for it (`notes_restored`, `BuildCache.keep_markdown`): a
build that cannot use the memo, or reads an article again whose notes did not change, renders no Markdown again. A
build keeps only the entries it used: those it restored are copied as the bytes they were read as, those it made are
pickled once Pelican has read every article (`write`), in a forked process (`generator.forked_work`) while the build
renders its pages; `save`, after a build that succeeded, puts that file in place. A memo that cannot be read, or is
damaged, is an empty memo; an entry that cannot be pickled is left out.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import locale
import os
import pickle
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pelican.contents import Article

from lectern.build_cache import active
from lectern.generator import forked_work, indexed_pickles

__all__ = ["ARTICLE_MEMO", "MEMO_FILE", "ArticleMemo", "usable"]

MEMO_FILE = "articles.pickle"
ARTICLE_MEMO = "LECTERN_ARTICLE_MEMO"  # the Pelican setting that carries a Lectern build's memo to the plugin
_SETTINGS, _CONTEXT = "settings", "context"


def usable(pelican_settings: Mapping[str, Any], plugin: str) -> bool:
    """Whether the articles of a build with `pelican_settings` may be restored (see the module docstring)."""
    plugins = [getattr(p, "__name__", p) for p in pelican_settings.get("PLUGINS") or []]
    return plugins == [plugin] and pelican_settings.get("DEFAULT_DATE") != "fs"


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, settings: object, context: object) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = {id(settings): _SETTINGS, id(context): _CONTEXT}

    def persistent_id(self, obj: object) -> str | None:
        return self._shared.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, settings: object, context: object) -> None:
        super().__init__(io.BytesIO(data))
        self._shared = {_SETTINGS: settings, _CONTEXT: context}

    def persistent_load(self, pid: object) -> object:
        try:
            return self._shared[pid]  # type: ignore[index]
        except (KeyError, TypeError):
            raise pickle.UnpicklingError(f"unknown reference {pid!r}") from None


class ArticleMemo:
    """Articles by the key of their file; see the module docstring."""

    def __init__(self, folder: Path, code: str, file_keys: Mapping[str, str]) -> None:
        """`file_keys`: the resource memo's key of each resource file, by absolute path (`ResourceMemo.file_keys`)."""
        self.path = folder / MEMO_FILE
        self._code = code
        self._file_keys = file_keys
        self._head = ""
        # key -> where its bytes are in `_data`, and the build cache's key of its Markdown notes
        self._index: dict[str, tuple[int, int, str | None]] = {}
        self._data = b""
        self._restored: dict[str, tuple[int, int, str | None]] = {}
        # key -> an article this build made, how many of its attributes it had when made (the build adds its own
        # after them, and changes none of those: `tests/generator/test_article_memo.py`), and its notes' key
        self._made: dict[str, tuple[Any, int, str | None]] = {}
        self._settings: object = None
        self._context: object = None
        self._written: Path | None = None

    def open(self, settings: object, context: object) -> None:
        """Read the memo for a build whose articles hold `settings` and `context`, once Pelican has set the locale
        it makes them in."""
        self._settings, self._context = settings, context
        self._head = f"{self._code};{locale.setlocale(locale.LC_TIME)}"
        found = indexed_pickles.read(self.path, self._head)
        if found is not None:
            index, self._data = found
            self._index = {key: (where[0], where[1], where[2]) for key, where in index.items()}

    def key(self, path: str) -> str | None:
        """The key of the article of the file at `path` (absolute); None for a file the resource memo did not see."""
        file_key = self._file_keys.get(path)
        if file_key is None:
            return None
        return hashlib.sha256(f"{file_key}\0{path}".encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, path: str) -> Any:
        """The article an earlier build made of the file at `path` (absolute), now with this build's settings and
        context; or None."""
        key = self.key(path)
        where = self._index.get(key) if key is not None else None
        if key is None or where is None:
            return None
        start, length, _notes = where
        try:
            state = _Unpickler(self._data[start : start + length], self._settings, self._context).load()
        except Exception:  # noqa: BLE001 (an entry that cannot be read is one not kept)
            return None
        if not isinstance(state, dict):
            return None
        article = Article.__new__(Article)
        article.__dict__.update(state)
        self._restored[key] = where
        return article

    def keep(self, path: str, article: Any) -> None:
        """Remember `article`, just made of the file at `path`."""
        key = self.key(path)
        if key is None or type(article) is not Article or getattr(article, "settings", None) is not self._settings:
            return
        cache = active()  # the reader has just asked it for the HTML of the article's notes
        self._made[key] = (article, len(article.__dict__), cache.last_markdown if cache is not None else None)

    def write(self, resources: int) -> None:
        """Write what `save` will put in place: in a forked process for a site of `resources` where it may fork."""
        pending = self.path.with_name(f".{self.path.name}.{os.getpid()}.pending")
        forked = forked_work.start(lambda: self._write(pending), self._written_at, resources)
        if forked is None:
            self._written_at(self._write(pending))

    def _written_at(self, path: Path | None) -> None:
        self._written = path

    def _write(self, pending: Path) -> Path | None:
        if not self._made and self._restored == self._index:
            return None  # nothing new: the memo on disk is the one to keep
        indexed_pickles.write(pending, self._head, self._entries())
        return pending

    def _entries(self) -> Iterator[indexed_pickles.Entry]:
        """The restored articles' bytes as they were read, then each article made, pickled as it is written."""
        data = memoryview(self._data)
        for key, (start, length, notes) in self._restored.items():
            yield key, data[start : start + length], (notes,)
        for key, (article, made_with, notes) in self._made.items():
            state = dict(itertools.islice(article.__dict__.items(), made_with))
            buffer = io.BytesIO()
            try:
                _Pickler(buffer, self._settings, self._context).dump(state)
            except Exception:  # noqa: BLE001, S112 (an article holding something that cannot be pickled is not kept)
                continue
            yield key, buffer.getvalue(), (notes,)

    def notes_restored(self) -> set[str]:
        """The build cache's keys of the Markdown notes of the articles restored (`BuildCache.keep_markdown`)."""
        return {notes for _start, _length, notes in self._restored.values() if notes is not None}

    def save(self) -> None:
        """Put in place what `write` wrote (after a build that succeeded)."""
        if self._written is not None:
            os.replace(self._written, self.path)
            self._written = None
        self._clear_leftovers()

    def discard(self) -> None:
        """Delete what `write` wrote (after a build that failed)."""
        self._written = None
        self._clear_leftovers()

    def _clear_leftovers(self) -> None:
        """Delete what this or an earlier build wrote and did not put in place: a build that failed, or whose forked
        process was killed while writing (two builds of one output never run at once: `build_lock`)."""
        with contextlib.suppress(OSError):
            for leftover in self.path.parent.glob(f".{self.path.name}.*"):
                leftover.unlink(missing_ok=True)
