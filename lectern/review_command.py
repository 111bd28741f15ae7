"""`lectern review`: what the Fediverse said about the resources, for the curator to approve or reject.

    lectern review                 apply authors' edits and deletions, count reactions, list what waits
    lectern review --json          the same list as JSON, for scripts
    lectern review approve ID...   approve: a reply is written beside its resource (commit the file)
    lectern review reject ID...    reject: it never appears; a rejected like stops counting

Runs where the shim's instance folder is (the review queue is `instance/review.sqlite3`) and writes into the content
folder of that checkout; each written file is listed, to be committed like any other change to the content.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lectern.errors import LecternError
from lectern.generator.content_loader import load_site
from lectern.review_effects import open_storage, review_effects
from lectern.review_queue import ReviewItem, Status
from lectern.review_run import Change, ReviewError, approve, bring_up_to_date, reject
from lectern.review_storage import open_review_queue
from lectern.settings import Settings

WHAT = {
    "reply": "reply",
    "mention": "mention",
    "like": "like",
    "boost": "boost",
    "quote": "quote",
    "flag": "report",
    "follow": "follow request",
}


def content_of(settings: Settings) -> tuple[dict[str, Path], dict[str, tuple[Path, str]]]:
    """Every resource's key and Markdown file, and every collection's folder and language, as far as the content
    can be read (problems elsewhere do not stop a review)."""
    site, _problems = load_site(settings.content_dir, ZoneInfo(settings.timezone), frozenset({settings.site_actor}))
    root = settings.content_dir.parent
    resources = {resource.key: root / resource.source_path for resource in site.resources}
    collections = {c.slug: (settings.content_dir / c.slug, c.language) for c in site.collections}
    return resources, collections


def item_json(item: ReviewItem) -> dict[str, Any]:
    interaction = item.interaction
    return {
        "id": item.id,
        "type": item.kind,
        "status": item.status,
        "actor": interaction.actor,
        "author": {"name": item.author.name, "handle": item.author.handle, "url": item.author.url},
        "object": interaction.resource or interaction.collection_actor,
        "text": interaction.text,
        "links": list(interaction.links),
        "url": interaction.url,
        "received": item.received,
    }


def item_lines(item: ReviewItem) -> list[str]:
    interaction, author = item.interaction, item.author
    who = f"{author.name} ({author.handle})" if author.name and author.handle else author.handle or interaction.actor
    about = interaction.resource or (f"@{interaction.collection_actor}" if interaction.collection_actor else "")
    lines = [f"{item.id}  {WHAT[item.kind]} from {who} on {about}, {item.received[:16].replace('T', ' ')}"]
    if item.status != "pending":
        lines[0] += f"  [{item.status}]"
    lines += [f"    {line}" for line in interaction.text.splitlines()[:12] if line]
    if interaction.links:
        lines.append("    links: " + " ".join(interaction.links))
    if interaction.url:
        lines.append(f"    original: {interaction.url}")
    return lines


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    queue = open_review_queue(settings)
    storage = open_storage(settings)
    try:
        files, collections = content_of(settings)
        effects = review_effects(settings, storage, collections, datetime.now(ZoneInfo(settings.timezone)).date())
        changes = bring_up_to_date(queue, files)
        if args.action in ("approve", "reject"):
            if not args.ids:
                raise LecternError(
                    f"name what to {args.action}: 'lectern review {args.action} ID' (ids: 'lectern review')"
                )
            for item_id in args.ids:
                try:
                    if args.action == "approve":
                        item, written = approve(queue, item_id, files, effects)
                        changes += written
                    else:
                        item = reject(queue, item_id, effects)
                except ReviewError as error:
                    raise LecternError(str(error)) from None
                print(f"{item.id}: {WHAT[item.kind]} from {item.interaction.actor} {item.status}.")
            changes += bring_up_to_date(queue, files)  # a rejected like is no longer counted
        statuses: tuple[Status, ...] = ("pending", "counted", "approved", "rejected") if args.all else ("pending",)
        waiting = queue.items(statuses)
    finally:
        queue.close()
        storage.close()
    _report_changes(changes, settings, to_stderr=args.json)
    if args.json:
        print(json.dumps([item_json(item) for item in waiting], ensure_ascii=False, indent=2))
    elif args.action == "list":
        for item in waiting:
            print("\n".join(item_lines(item)))
        if not waiting:
            print("Nothing waits for review.")
    return 0


def _report_changes(changes: list[Change], settings: Settings, *, to_stderr: bool) -> None:
    out = sys.stderr if to_stderr else sys.stdout
    root = settings.content_dir.parent
    for change in changes:
        try:
            shown = change.path.relative_to(root)
        except ValueError:
            shown = change.path
        print(f"{shown}: {change.what}", file=out)
    if changes:
        print("Commit these files to publish the change (git add, git commit; then build).", file=out)


def add_command(commands: Any) -> None:
    """Register `lectern review` on the `lectern` command's subparsers."""
    review = commands.add_parser(
        "review",
        help="approve or reject replies, mentions and reports from the Fediverse",
        description="List what the Fediverse said about the resources; approve it (a reply is then written beside "
        "its resource, to commit) or reject it. Every run first applies authors' edits and deletions of approved "
        "replies and writes the like, boost and quote counts.",
    )
    review.add_argument("action", nargs="?", default="list", choices=["list", "approve", "reject"])
    review.add_argument("ids", nargs="*", metavar="ID", help="the ids 'lectern review' lists")
    review.add_argument("--json", action="store_true", help="print the list as JSON")
    review.add_argument("--all", action="store_true", help="also list counted, approved and rejected items")
    review.add_argument("--instance", help="the instance folder (default: instance/)")
    review.set_defaults(run=cmd_review)
