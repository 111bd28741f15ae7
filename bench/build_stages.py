"""Where one `lectern build` spends its time: the wall time of each stage, in this process.

    python bench/build_stages.py SITE_FOLDER [--output out-lectern]

Runs `lectern build` in SITE_FOLDER (a project: `pelicanconf.py`, `content/`, `themes/`; `bench/build.py` makes
them) with a timer around each stage of the build, and prints each stage's total wall time, largest first, beside the
time of the whole process (its imports included). Stages nest: Lectern's generator's context includes the theme
context and the fingerprints. Run it twice, editing a resource between, to see a rebuild's stages; the forked parts
(documents, cartridges, the article memo) run beside the build and show only where the build waits for them
(`lectern gen output`).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

STARTED = time.perf_counter()


def timed(totals: dict[str, float], owner: Any, name: str, label: str) -> None:
    """Wrap `owner.name` so each call adds its wall time to `totals[label]` (nothing, where the code built, another
    checkout's on PYTHONPATH, has no such stage)."""
    original: Callable[..., Any] | None = getattr(owner, name, None)
    if original is None:
        return

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] = totals.get(label, 0.0) + time.perf_counter() - began

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", help="the project folder to build")
    parser.add_argument("--output", default="out-lectern")
    args = parser.parse_args()
    os.chdir(args.site)

    from pelican import generators

    import lectern.cli
    from lectern import build, build_cache, quick_rebuild
    from lectern.generator import cartridge_output, plugin, resource_memo

    imported = time.perf_counter() - STARTED
    totals: dict[str, float] = {}
    stages: list[tuple[Any, str, str]] = [
        (build, "scan_content", "content scan (for the quick rebuild)"),
        (build, "quick_rebuild", "quick rebuild (all of it, or until it gives way)"),
        (quick_rebuild, "_same_build", "  quick: same settings, theme and code (fingerprint)"),
        (quick_rebuild, "_edits", "  quick: the edited files read and compared"),
        (quick_rebuild, "load_record", "  quick: output record: load and check the output"),
        (quick_rebuild, "_render_pages", "  quick: pages and feeds rendered (Pelican's imports too)"),
        (quick_rebuild, "apply_files", "  quick: moved into the output, record written"),
        (build, "load_site", "load_site (check and read the content)"),
        (resource_memo.ResourceMemo, "load", "resource memo: load"),
        (resource_memo.ResourceMemo, "save", "resource memo: save"),
        (build, "load_record", "output record: load and check the output"),
        (build, "save_record", "output record: save"),
        (build, "apply_in_place", "changed files moved into the output"),
        (build_cache.BuildCache, "save", "build cache: save"),
        (build, "_run_pelican", "Pelican's run, all of it"),
        (generators.ArticlesGenerator, "generate_context", "  Pelican's articles (read or restored)"),
        (generators.ArticlesGenerator, "generate_articles", "  Pelican: article pages"),
        (generators.ArticlesGenerator, "generate_tags", "  Pelican: tag pages (Lectern's: none)"),
        (generators.ArticlesGenerator, "generate_feeds", "  Pelican: feeds"),
        (plugin.LecternGenerator, "__init__", "  Lectern's generator: start (forks the documents)"),
        (plugin.LecternGenerator, "generate_context", "  Lectern's generator: context"),
        (plugin, "add_theme_context", "    theme context"),
        (plugin, "article_fingerprint", "    article fingerprints"),
        (plugin, "write_tag_pages", "    tag pages"),
        (plugin.LecternGenerator, "generate_output", "  Lectern's generator: output"),
        (cartridge_output.CartridgeGenerator, "generate_context", "  cartridges (forks them)"),
    ]
    for owner, name, label in stages:
        timed(totals, owner, name, label)
    sys.argv = ["lectern", "build", "--output", args.output]
    try:
        lectern.cli.main()
    except SystemExit as exit:
        if exit.code not in (0, None):
            raise
    print(f"{'whole process':48s} {time.perf_counter() - STARTED:7.3f} s")
    print(f"{'imports before the build':48s} {imported:7.3f} s")
    for label, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"{label:48s} {seconds:7.3f} s")


if __name__ == "__main__":
    main()
