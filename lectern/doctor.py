"""`lectern doctor`: check a build (and, with --url, the live site) against what Mastodon, Lemmy, Misskey and
Pixelfed require, before and after publishing.

Each problem is one line on stderr, `path: rule: what is wrong; how to fix it`, and the exit status is 1; warnings
(what a server only truncates) are printed but do not fail. A preview of each resource's post, as Mastodon and Lemmy
followers see it, goes to stdout, then a one-line summary.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from lectern.doctor_model import Document, Problem
from lectern.doctor_output import check_built_site, read_built_site
from lectern.doctor_preview import previews
from lectern.errors import LecternError
from lectern.settings import Settings


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def report(problems: list[Problem], documents: list[Document], where: str, show_previews: bool) -> int:
    """Print the previews, the problems and the summary; the exit status: 1 if any problem is not a warning."""
    if show_previews:
        for text in previews(documents):
            print(text, end="\n\n")
    unique = sorted(set(problems))
    for problem in unique:
        print(problem, file=sys.stderr)
    failures = [p for p in unique if not p.warning]
    warnings = len(unique) - len(failures)
    checked = f"{_plural(len(documents), 'ActivityPub document')} of {where}"
    if failures:
        print(
            f"{_plural(len(failures), 'problem')} and {_plural(warnings, 'warning')} in {checked}; "
            "followers' servers would reject or mangle what is listed above.",
            file=sys.stderr,
        )
        return 1
    print(f"{checked} checked: no problems, {_plural(warnings, 'warning')}.")
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    if args.url:
        from lectern.doctor_fetch import check_live_site

        problems, documents = check_live_site(args.url.rstrip("/"), settings.site_actor)
        return report(problems, documents, args.url, not args.no_preview)
    output = settings.output_dir
    if not (output / "ap").is_dir():
        raise LecternError(f"{output} holds no build (no ap/ folder); run `lectern build` first, or give --output")
    site = read_built_site(output, settings.site_url)
    return report(check_built_site(site), site.documents, str(output), not args.no_preview)


def add_command(commands: Any) -> None:
    """Register `lectern doctor` on the `lectern` command's subparsers."""
    doctor = commands.add_parser(
        "doctor",
        help="check the ActivityPub output against what Fediverse servers accept",
        description="Check every ActivityPub document of a build against the rules Mastodon, Lemmy, Misskey and "
        "Pixelfed enforce, and preview each post as their followers will see it. With --url, check the live site "
        "instead: what its CDN serves, WebFinger, and the links from each page to its JSON twin. Exit 1 on a problem.",
    )
    doctor.add_argument("--output", help="the built folder to check (default: output/)")
    doctor.add_argument("--url", metavar="SITE_URL", help="check the live site at this address instead")
    doctor.add_argument("--no-preview", action="store_true", help="print problems and the summary only")
    doctor.set_defaults(run=cmd_doctor)
