"""`lectern serve` and `lectern followers`: the shim's commands, plugged into the `lectern` command."""

from __future__ import annotations

import argparse
import os
from typing import Any

from lectern.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from federation_shim.app import create_app
    from lectern.build import build_site

    if not args.site_url and not os.environ.get("LECTERN_SITE_URL"):
        host = f"[{args.host}]" if ":" in args.host else args.host
        settings = settings.with_overrides(site_url=f"http://{host}:{args.port}")
    if not args.no_build:
        report = build_site(settings)
        print(f"Built {report.resources} resources in {report.collections} collections ({report.seconds:.1f} s).")
    print(
        f"Serving {settings.site_url}/ (site and federation shim); follow a collection as "
        f"@<collection>@{settings.host}. Stop with Ctrl+C.",
        flush=True,
    )
    uvicorn.run(
        create_app(settings, serve_static=True),
        host=args.host,
        port=args.port,
        log_level="info" if args.verbose else "warning",
        proxy_headers=False,
    )
    return 0


def cmd_followers(args: argparse.Namespace, settings: Settings) -> int:
    from federation_shim.app import STATE_FILE
    from federation_shim.state import ShimState

    state = ShimState(settings.instance_dir / STATE_FILE)
    try:
        if args.action == "list":
            followers = state.all_followers()
            for follower in followers:
                print(
                    f"{follower.actor}\t{follower.follower}\t{follower.shared_inbox or follower.inbox}\t"
                    f"since {follower.created_at}"
                )
            print(f"{len(followers)} follower{'s' if len(followers) != 1 else ''}.")
            return 0
        if not args.actor:
            print("lectern: say which follower to remove: lectern followers remove https://server/users/name")
            return 1
        removed = state.remove_remote_actor(args.actor, None)
        print(f"Removed {args.actor} from {removed} follower list{'s' if removed != 1 else ''}.")
        return 0 if removed else 1
    finally:
        state.close()


def add_commands(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="build, then serve the site and the federation shim",
        description="Build the content (unless --no-build), then serve the static site and the federation shim "
        "(WebFinger, inboxes, followers) on one origin, as a CDN would route them.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--site-url", help="the public address (default: http://HOST:PORT)")
    serve.add_argument("--instance", help="the instance folder with keys and state (default: instance/)")
    serve.add_argument("--output", help="the build output folder (default: output/)")
    serve.add_argument("--no-build", action="store_true", help="serve the existing build as it is")
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


__all__ = ["add_commands"]
