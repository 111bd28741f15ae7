"""`lectern serve`, `followers`, `deliver` and `status`: the shim's commands, added to the `lectern` command by
`lectern.cli`."""

from __future__ import annotations

import argparse
import functools
import gc
import sys
from typing import Any

from lectern.cli import Command
from lectern.federation_shim import StorageUnavailable
from lectern.listening import port_number
from lectern.review_queue import ReviewItem
from lectern.review_storage import open_review_queue, review_queue_exists
from lectern.settings import Settings


def storage_faults_in_one_line(command: Command) -> Command:
    """A command that meets a busy database or a full disk says so in one line and exits 1, without a traceback."""

    @functools.wraps(command)
    def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return command(args, settings)
        except StorageUnavailable as fault:
            print(f"lectern: {fault}; nothing was changed, run the command again later", file=sys.stderr)
            return 1

    return run


def say_while_serving(message: str, is_problem: bool) -> None:
    """What `lectern serve --reload` tells the person watching: problems on stderr, the rest on stdout."""
    print(message, file=sys.stderr if is_problem else sys.stdout, flush=True)


@storage_faults_in_one_line
def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from lectern.build import build_site
    from lectern.build_chatter import pelican_chatter_hidden
    from lectern.built_site import settings_for_build
    from lectern.keys import load_or_create_private_key
    from lectern.listening import claim_port, serve_on
    from lectern.shim_app import create_app
    from lectern.shim_storage import open_shim_storage

    listener = claim_port(args.host, args.port)  # before building or saying anything: a taken port is one line
    try:
        host = f"[{args.host}]" if ":" in args.host else args.host
        listening = f"http://{host}:{args.port}"
        if args.no_build:  # the site URL is the one the existing build was made for
            settings = settings_for_build(
                settings, require_build="run 'lectern build' first, or 'lectern serve' without --no-build"
            )
        elif settings.site_url_told_by is None:
            settings = settings.with_overrides(site_url=listening, site_url_told_by=None)
        live = None
        if args.reload:
            from lectern.live_reload import LiveReload, preview_builder

            live = LiveReload(settings, preview_builder(settings), tell=say_while_serving)
            with pelican_chatter_hidden(args.verbose):
                built = live.build_now()
            if built.problem is None:
                print("Built a preview (not delivered: run 'lectern build' to publish to followers).")
        elif not args.no_build:
            with pelican_chatter_hidden(args.verbose):
                report = build_site(settings)
            print(f"Built {report.resources} resources in {report.collections} collections ({report.seconds:.1f} s).")
        # what the build left in memory (Pelican's objects) stays for the process's life: take it out of the garbage
        # collector's sight, or every full collection walks it again while the inbox is busy
        gc.collect()
        gc.freeze()
        load_or_create_private_key(settings.instance_dir)  # a broken key file: one line now, not a failed startup
        open_shim_storage(settings).close()  # an unreachable database too (with migrations run once, here)
        behind = "" if settings.site_url == listening else f" from {listening}"
        print(
            f"Serving {settings.site_url}/{behind} (site and federation shim); follow a collection as "
            f"@<collection>@{settings.host}. Stop with Ctrl+C.",
            flush=True,
        )
        app = create_app(settings, serve_static=True, deliver=not args.no_deliver)
        if live is not None:
            from lectern.reload_endpoint import add_live_reload

            add_live_reload(app, lambda: live.state)
            live.start()
            print("Watching the content, the settings and the theme; open pages reload after each change.", flush=True)
        try:
            return serve_on(listener, app, args.host, args.port, args.verbose)
        finally:
            if live is not None:
                live.stop()
    finally:
        listener.close()


@storage_faults_in_one_line
def cmd_followers(args: argparse.Namespace, settings: Settings) -> int:
    from lectern.shim_storage import open_shim_storage

    storage = open_shim_storage(settings)
    try:
        if args.action == "list":
            followers = storage.followers.all_followers()
            for follower in followers:
                print(
                    f"{follower.actor}\t{follower.follower}\t{follower.shared_inbox or follower.inbox}\t"
                    f"since {follower.created_at}"
                )
            print(f"{len(followers)} follower{'s' if len(followers) != 1 else ''}.")
            requests = pending_follow_requests(settings)
            for request in requests:
                asker = request.interaction
                since = f"asks to follow, since {request.received}"
                print(f"{asker.collection_actor}\t{asker.actor}\t{since}\t{request.id}")
            if requests:
                decide = "'lectern review approve ID' or 'lectern review reject ID'"
                print(f"{len(requests)} follow request{'s' if len(requests) != 1 else ''} waiting: {decide}.")
            return 0
        if not args.actor:
            print("lectern: say which follower to remove: lectern followers remove https://server/users/name")
            return 1
        removed = storage.followers.remove_remote_actor(args.actor, None)
        print(f"Removed {args.actor} from {removed} follower list{'s' if removed != 1 else ''}.")
        return 0 if removed else 1
    finally:
        storage.close()


def pending_follow_requests(settings: Settings) -> list[ReviewItem]:
    """The follow requests of classroom collections that wait for the curator (lectern.community_inbox)."""
    if not review_queue_exists(settings):
        return []
    queue = open_review_queue(settings)
    try:
        return [item for item in queue.items(("pending",)) if item.kind == "follow"]
    finally:
        queue.close()


@storage_faults_in_one_line
def cmd_deliver(args: argparse.Namespace, settings: Settings) -> int:
    from lectern.built_site import settings_for_build
    from lectern.delivery_service import NoBuild, deliver_once
    from lectern.federation_shim import run_event_loop
    from lectern.keys import load_or_create_private_key

    def waiting(message: str) -> None:
        print(f"lectern: {message}", file=sys.stderr, flush=True)

    settings = settings_for_build(settings)  # sign with the key id of the site the build was made for
    key = load_or_create_private_key(settings.instance_dir)
    try:
        report, stats = run_event_loop(
            deliver_once(settings, key, timeout=args.timeout, concurrency=args.concurrency, on_wait=waiting)
        )
    except NoBuild as missing:
        print(f"lectern: {missing}", file=sys.stderr)
        return 1
    if report.baseline:
        print(
            f"First run: {report.resources} existing resources recorded; from now on new, changed and removed "
            "resources are delivered."
        )
    else:
        print(f"Queued {report.activities} activities as {report.jobs} deliveries.")
    if report.late:
        print(
            f"{len(report.late)} new resource(s) were committed more than 6 hours ago: Mastodon shows them on the "
            "collection's profile but not in followers' home timelines. Publish soon after committing "
            "(see docs/federation.md)."
        )
    print(
        f"Sent {stats.sent}: {stats.delivered} delivered, {stats.retried} to retry later, {stats.failed} failed, "
        f"{stats.gone} gone."
    )
    return 0


@storage_faults_in_one_line
def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from lectern.built_site import built_site_url, settings_for_build
    from lectern.built_site import shown as folder
    from lectern.shim_storage import open_shim_storage

    settings = settings_for_build(settings)
    built = built_site_url(settings.output_dir)
    print(f"Site: {built} (the build in {folder(settings.output_dir)})" if built else "Site: not built yet")
    storage = open_shim_storage(settings)
    try:
        store = storage.deliveries
        counts: dict[str, int] = {}
        for follower in storage.followers.all_followers():
            counts[follower.actor] = counts.get(follower.actor, 0) + 1
        print("Followers:")
        for actor, count in sorted(counts.items()):
            print(f"  {actor}: {count}")
        if not counts:
            print("  none yet")
        queue = store.counts(time.time())
        print(
            f"Deliveries: {queue.pending} queued, {queue.retrying} retrying, {queue.done} delivered, "
            f"{queue.failed} failed, {queue.gone} gone, {queue.skipped} skipped"
        )
        for state_name, activity, inbox, attempts, status, error in store.problems():
            shown = f"HTTP {status}" if status else "no answer"
            print(f"  {state_name} after {attempts} tries: {activity} -> {inbox}: {shown} {error or ''}".rstrip())
        return 0
    finally:
        storage.close()


SITE_URL_CHECK = (
    "the site's address; refused unless the build was made for it (default: the address the build was made for)"
)


def add_commands(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="build, then serve the site and the federation shim",
        description="Build the content (unless --no-build), then serve the static site and the federation shim "
        "(WebFinger, inboxes, followers) on one origin, as a CDN would route them.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=port_number, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--site-url",
        help="the public address (default: http://HOST:PORT; with --no-build, the address the build was made for)",
    )
    serve.add_argument("--instance", help="the instance folder with keys and state (default: instance/)")
    serve.add_argument("--output", help="the build output folder (default: output/)")
    serve.add_argument("--no-build", action="store_true", help="serve the existing build as it is")
    serve.add_argument(
        "--reload",
        action="store_true",
        help="rebuild (incrementally) when the content, settings or theme change, and reload open pages; these "
        "preview builds are never delivered to followers (run 'lectern build' for that)",
    )
    serve.add_argument(
        "--no-deliver", action="store_true", help="do not deliver new builds in the background (run 'lectern deliver')"
    )
    serve.set_defaults(run=cmd_serve)

    followers = commands.add_parser(
        "followers",
        help="list or remove followers",
        description="List who follows the site's actors, or remove a follower from every actor.",
    )
    followers.add_argument("action", choices=["list", "remove"])
    followers.add_argument("actor", nargs="?", help="with remove: the follower's actor id (URL)")
    followers.add_argument("--instance", help="the instance folder (default: instance/)")
    followers.set_defaults(run=cmd_followers)

    deliver = commands.add_parser(
        "deliver",
        help="send followers what changed since the last delivery",
        description="Compare the current build with what followers were told, queue a Create, Update or Delete for "
        "every difference, and send every delivery that is due; exit when nothing is due. Failed "
        "deliveries are retried by the next run (or by a running 'lectern serve').",
    )
    deliver.add_argument("--instance", help="the instance folder (default: instance/)")
    deliver.add_argument("--output", help="the build output folder (default: output/)")
    deliver.add_argument("--site-url", help=SITE_URL_CHECK)
    deliver.add_argument("--timeout", type=float, help="seconds to wait for each inbox (default: 10)")
    deliver.add_argument("--concurrency", type=int, default=256, help="requests in flight at once (default: 256)")
    deliver.set_defaults(run=cmd_deliver)

    status = commands.add_parser(
        "status",
        help="followers and deliveries at a glance",
        description="Followers per actor; queued, retrying and failed deliveries with the last error.",
    )
    status.add_argument("--instance", help="the instance folder (default: instance/)")
    status.add_argument("--output", help="the build output folder (default: output/)")
    status.add_argument("--site-url", help=SITE_URL_CHECK)
    status.set_defaults(run=cmd_status)


__all__ = ["add_commands"]
