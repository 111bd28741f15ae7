"""The site URL the output in a folder was built for, and settings that agree with it.

Every id, link and key id of a build is derived from the site URL it was built with, and the build records that URL
twice: in `ap/manifest.json` (what the shim delivers from) and in `ap/webfinger.json` (what it answers WebFinger
from). A command that acts on an existing build (`lectern deliver`, `publish`, `status`, `serve --no-build`) must use
that URL: a delivery signed with a key id on another host is refused by every receiving server (HTTP 401), and a
publish would ask the wrong host to deliver.

So such a command takes the build's URL over the settings file's SITEURL, silently; and when a person said another
URL (`--site-url`, `LECTERN_SITE_URL`), it refuses in one line naming both, rather than guess which one is right.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from lectern import output_swap
from lectern.errors import LecternError, SettingsError
from lectern.manifest import MANIFEST_FILE, read_manifest
from lectern.settings import Settings, check_site_url
from lectern.site_paths import WEBFINGER_INDEX_FILE


class SiteUrlMismatch(LecternError):
    """A site URL was given that is not the one the output was built for."""


class NotBuilt(LecternError):
    """The output folder holds no build."""


def built_site_url(output_dir: Path) -> str | None:
    """The site URL the build in `output_dir` was made for; None when there is no build there."""
    try:
        return check_site_url(read_manifest(output_dir).site_url, f"{output_dir / MANIFEST_FILE}: site_url")
    except FileNotFoundError:
        pass  # a build from before the manifest held the URL, or a partial one: the WebFinger index holds it too
    path = output_dir / WEBFINGER_INDEX_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise SettingsError(f"{path} cannot be read ({error}): run 'lectern build' again") from None
    url = record.get("site_url") if isinstance(record, dict) else None
    return check_site_url(url, f"{path}: site_url") if isinstance(url, str) else None


def shown(path: Path) -> str:
    """A folder as a person would type it: relative to the current folder when it is below it."""
    try:
        relative = path.relative_to(Path.cwd())
    except ValueError:
        return f"{path}/"
    return f"{relative}/" if relative.parts else "./"


def mismatch_message(told: str, told_by: str, built: str, output_dir: Path) -> str:
    """One line: the URL given, the URL of the build, and the two ways to make them agree."""
    folder = shown(output_dir)
    if told_by == "LECTERN_SITE_URL":
        return (
            f"LECTERN_SITE_URL={told} is not the address {folder} was built for ({built}): rebuild with "
            f"LECTERN_SITE_URL={told} lectern build, or set LECTERN_SITE_URL={built}"
        )
    return (
        f"{told_by} {told} is not the address {folder} was built for ({built}): rebuild with "
        f"'lectern build --site-url {told}', or pass {told_by} {built}"
    )


def settings_for_build(settings: Settings, *, require_build: str | None = None) -> Settings:
    """`settings` with the site URL of the build in `settings.output_dir`. Raises SiteUrlMismatch when a person gave
    another URL; with `require_build` (what to do instead), raises NotBuilt when there is no build."""
    output_swap.recover(settings.output_dir)  # a build killed between its two renames: its output is put back first
    built = built_site_url(settings.output_dir)
    if built is None:
        if require_build:
            raise NotBuilt(f"there is no build in {shown(settings.output_dir)}: {require_build}")
        return settings
    if built == settings.site_url:
        return settings
    if settings.site_url_told_by is not None:
        raise SiteUrlMismatch(
            mismatch_message(settings.site_url, settings.site_url_told_by, built, settings.output_dir)
        )
    return replace(settings, site_url=built)


__all__ = ["NotBuilt", "SiteUrlMismatch", "built_site_url", "mismatch_message", "settings_for_build"]
