"""`lectern check` and `lectern build`: validate the content, then run Pelican with Lectern's plugin.

A build never leaves a half-written site: Pelican writes into a staging folder beside the output, which replaces the
output in one step only when the whole build succeeded (`lectern.output_swap`), so `output/` is at every moment a
whole build, even when the build is killed. A rebuild over an output the previous build left as it was writes only
the files that changed, and moves them in one by one (`lectern.incremental_output`: each file is whole at every
moment; a rebuild killed while moving them in is followed by a full build). The content is validated first; with
any problem, nothing is written.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from lectern import output_swap
from lectern.build_cache import BuildCache, activated, cache_root, code_digest, instance_public_key
from lectern.content_state import scan_content, with_own_writes
from lectern.errors import LecternError
from lectern.generator.article_memo import ArticleMemo
from lectern.generator.content_loader import load_site
from lectern.generator.content_model import Site
from lectern.generator.errors import Problem
from lectern.generator.quick_parts import QuickParts
from lectern.generator.resource_memo import ResourceMemo
from lectern.incremental_output import (
    UnchangedFiles,
    apply_in_place,
    build_lock,
    clear_files,
    load_record,
    record_full_build,
    save_record,
    sparse_staging,
)
from lectern.keys import check_public_key_pem
from lectern.quick_rebuild import forget_snapshot, quick_rebuild, save_snapshot
from lectern.settings import Settings

logger = logging.getLogger(__name__)


class ContentProblems(LecternError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"the content has {len(problems)} problem(s); nothing was built:\n{lines}")


class BuildFailed(LecternError):
    pass


@dataclass(frozen=True)
class BuildReport:
    collections: int
    resources: int
    seconds: float


def check_content(settings: Settings) -> list[Problem]:
    _site, problems = load_site(settings.content_dir, ZoneInfo(settings.timezone), frozenset({settings.site_actor}))
    return problems


def build_site(settings: Settings, use_cache: bool = True, preview: bool = False) -> BuildReport:
    """Validate, then build into `settings.output_dir`. Raises ContentProblems or BuildFailed.

    With `use_cache`, what an earlier build of the same output rendered is reused where its inputs are unchanged
    (`lectern.build_cache`), and when the output is as that build left it, only the files that changed are written
    (`lectern.incremental_output`), and the resource files read without a problem by the build before are not read
    again (`generator.resource_memo`), nor are the articles Pelican made of them (`generator.article_memo`); the
    output is byte for byte the same as without. When only resources' notes changed since the last build, only what
    shows them is rendered (`lectern.quick_rebuild`; `LECTERN_QUICK_REBUILD=0` turns that off).

    A `preview` build (`lectern serve --reload`) is for the person editing, not for followers: it keeps the delivery
    manifest of the build before it (the file the shim's delivery acts on; none if there was none), so nothing it
    shows is ever delivered, and it does not record when it first saw new resources (only a real build publishes)."""
    started = time.perf_counter()
    output = settings.output_dir
    code = code_digest() if use_cache else ""
    # what the content is before this build reads it
    quick = use_cache and os.environ.get("LECTERN_QUICK_REBUILD", "1") != "0"
    state = scan_content(settings.content_dir, settings.instance_dir) if quick else None
    if state is not None:
        counts = quick_rebuild(settings, code, state, preview)
        if counts is not None:
            return BuildReport(*counts, time.perf_counter() - started)
    memo = ResourceMemo.load(cache_root(output), code) if use_cache else None
    zone = ZoneInfo(settings.timezone)
    site, problems = load_site(settings.content_dir, zone, frozenset({settings.site_actor}), memo=memo)
    if problems:
        raise ContentProblems(problems)
    if settings.public_key_pem:
        pem = check_public_key_pem(settings.public_key_pem, "LECTERN_PUBLIC_KEY")
    else:
        pem = instance_public_key(settings.instance_dir)
    with build_lock(cache_root(output)):
        forget_snapshot(output)  # (until this build has ended)
        output_swap.clean_stale(output)
        cache = BuildCache.for_build(replace(settings, public_key_pem=pem)) if use_cache else None
        record = load_record(cache.folder, output) if cache is not None else None
        staging = (
            output_swap.staging_folder(output) if cache is None or record is None else sparse_staging(cache.folder)
        )
        files = UnchangedFiles(staging, output, record)
        articles = ArticleMemo(cache.folder, code, memo.file_keys) if cache is not None and memo is not None else None
        parts = QuickParts() if state is not None and cache is not None else None
        try:
            with activated(cache):
                built = replace(settings, output_dir=staging, public_key_pem=pem)
                _run_pelican(built, site, preview, files, articles, parts)
            if preview:
                keep_previous_manifest(output, staging)
            if cache is not None and record is not None:
                record = apply_in_place(cache.folder, staging, output, files, last=(manifest_file(),))
            else:
                staged = files.produced(staging)
                output_swap.swap_in(staging, output)
                record = record_full_build(output, staged)
            if cache is not None:
                if articles is not None:
                    cache.keep_markdown(articles.notes_restored())
                cache.save()
                save_record(cache.folder, record)
            if memo is not None:
                memo.save()
            if articles is not None:
                articles.save()
            if parts is not None and state is not None and cache is not None:
                state = with_own_writes(state, settings.instance_dir)
                save_snapshot(output, code, cache, state, site, parts, preview)
        finally:
            if articles is not None:
                articles.discard()  # (what a build that failed wrote)
            if staging.parent == output.parent:
                shutil.rmtree(staging, ignore_errors=True)
            else:
                clear_files(staging)
    return BuildReport(len(site.collections), len(site.resources), time.perf_counter() - started)


def manifest_file() -> str:
    from lectern.manifest import MANIFEST_FILE

    return MANIFEST_FILE


def keep_previous_manifest(output: Path, staging: Path) -> None:
    """Put the manifest of the build in `output` in place of the one just built in `staging` (or none)."""
    from lectern.manifest import MANIFEST_FILE

    built = staging / MANIFEST_FILE
    try:
        previous = (output / MANIFEST_FILE).read_bytes()
    except FileNotFoundError:
        built.unlink(missing_ok=True)
        return
    built.write_bytes(previous)


def _run_pelican(
    settings: Settings,
    site: Site,
    preview: bool,
    files: UnchangedFiles,
    articles: ArticleMemo | None,
    parts: QuickParts | None = None,
) -> None:
    from pelican import Pelican
    from pelican.settings import read_settings

    from lectern.generator.background_files import finish_all
    from lectern.generator.forked_work import stop_all
    from lectern.generator.pelican_settings import pelican_overrides

    try:
        pelican_settings = read_settings(
            str(settings.settings_file), override=pelican_overrides(settings, site, preview, files, articles, parts)
        )
        try:
            Pelican(pelican_settings).run()
        finally:
            stop_all()  # a forked part of the build not waited for: the build failed before it
            finish_all()  # every file written (or the first error) before the output is swapped in or discarded
    except LecternError:
        raise
    except Exception as error:  # a theme or plugin failure: say where, keep the old output
        logger.debug("Pelican failed", exc_info=True)
        raise BuildFailed(
            f"the build failed and the previous output was kept: {type(error).__name__}: {error} "
            "(run 'lectern -v build' for details)"
        ) from error
