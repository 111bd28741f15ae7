"""`lectern index serve|add|remove|list`: the discovery index's commands, plugged into the `lectern` command.

`serve` runs the service (uvicorn); `add`, `remove` and `list` ask the running service through its admin endpoints
(`admin_client` says why). The same commands run without a Lectern project: `python -m lectern.discovery_index ...`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from lectern.listening import port_number
from lectern.settings import Settings


def cmd_serve(args: argparse.Namespace, _settings: Settings | None = None) -> int:
    from lectern.discovery_index.app import create_app
    from lectern.discovery_index.config import make_config, open_index_store, record_service
    from lectern.listening import claim_port, serve_on

    config = make_config(
        args.instance, args.url, args.host, args.port, args.allow_private_addresses, args.actor_max_age
    )
    quiet = logging.getLogger("psycopg.pool")  # its retries would repeat the one line said below
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        open_index_store(config).close()  # a database that cannot be reached is one line, before anything starts
    finally:
        quiet.setLevel(level)
    listener = claim_port(args.host, args.port)  # before recording or saying anything: a taken port is one line
    try:
        app = create_app(config)
        bind = f"[{args.host}]" if ":" in args.host else args.host
        record_service(config.instance_dir, f"http://{bind}:{args.port}")
        stored = " and the index in PostgreSQL (LECTERN_INDEX_DATABASE_URL)" if config.on_postgresql else ""
        print(
            f"Serving the discovery index at {config.public_url}/ (actor @index@{config.host}, state in "
            f"{config.instance_dir}{stored}). Add a site with: lectern index add https://oer.example.edu. "
            "Stop with Ctrl+C.",
            flush=True,
        )
        return serve_on(listener, app, args.host, args.port, args.verbose, proxy_headers=True)  # uvicorn's default
    finally:
        listener.close()


def _admin(args: argparse.Namespace) -> tuple[str, str]:
    from lectern.discovery_index.config import admin_token, instance_dir, service_url

    folder = instance_dir(args.instance)
    return service_url(folder, args.index_url), admin_token(folder, create=False)


def cmd_add(args: argparse.Namespace, _settings: Settings | None = None) -> int:
    from lectern.discovery_index.admin_client import call

    url, token = _admin(args)
    report = call(url, token, "POST", "/_index/sources", {"source": args.source})
    print(f"{report['instance']}: {report['how']}")
    for actor in report["actors"]:
        print(f"  {actor['handle']}: {actor['status']}, {actor['indexed']} resources indexed ({actor['detail']})")
    failed = [actor for actor in report["actors"] if actor["status"] == "failed"]
    return 1 if failed else 0


def cmd_remove(args: argparse.Namespace, _settings: Settings | None = None) -> int:
    from lectern.discovery_index.admin_client import call

    url, token = _admin(args)
    report = call(url, token, "POST", "/_index/remove", {"instance": args.instance_name})
    print(
        f"Removed {report['instance']}: {report['collections']} actors and {report['resources']} resources; "
        f"Undo(Follow) delivered to {report['undone']}."
    )
    return 0


def cmd_list(args: argparse.Namespace, _settings: Settings | None = None) -> int:
    from lectern.discovery_index.admin_client import call

    url, token = _admin(args)
    answer = call(url, token, "GET", "/_index/sources")
    for instance in answer["instances"]:
        software = f", {instance['software']}" if instance["software"] else ""
        print(f"{instance['host']} ({instance['name']}{software}): {instance['resources']} resources")
        for collection in answer["collections"]:
            if collection["instance"] == instance["host"]:
                indexable = "" if collection["indexable"] is not False else ", indexable: false"
                print(
                    f"  {collection['handle']}: {collection['follow_state']}{indexable}, "
                    f"{collection['resources']} resources"
                )
    if not answer["instances"]:
        print("The index follows nothing yet: lectern index add https://oer.example.edu")
    return 0


def add_commands(commands: Any) -> None:
    index = commands.add_parser(
        "index",
        help="the discovery index: one search across Lectern sites",
        description="Run the discovery index (a separate service with its own state and actor), and add or "
        "remove the Lectern sites and Fediverse actors it follows.",
    )
    actions = index.add_subparsers(dest="index_command", required=True, metavar="ACTION")

    serve = actions.add_parser(
        "serve",
        help="run the index service",
        description="Serve the search page and API, the index's actor and its inbox (uvicorn). The index is "
        "stored in SQLite in the instance folder, or, with LECTERN_INDEX_DATABASE_URL=postgresql://..., in "
        "PostgreSQL, which any number of index processes on any number of machines can share.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=port_number, default=8100, help="port to listen on (default: 8100)")
    serve.add_argument("--instance", help="the index's state folder (default: index-instance/)")
    serve.add_argument("--url", help="the public address (default: http://HOST:PORT)")
    serve.add_argument(
        "--allow-private-addresses",
        action="store_true",
        help="fetch from and deliver to loopback and private addresses (local tests only)",
    )
    serve.add_argument(
        "--actor-max-age",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="refetch an actor (is it still indexable?) on a Create when its copy is older (default: 300)",
    )
    serve.set_defaults(run=cmd_serve, without_settings=True)

    def admin_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--instance", help="the index's state folder, for its admin token (default: index-instance/)"
        )
        parser.add_argument("--index-url", help="where the index service listens (default: what it recorded)")

    add = actions.add_parser(
        "add",
        help="follow an instance or a collection",
        description="Find the instance's collections (or the one actor), follow each and index what they "
        "published; from then on their new, changed and deleted resources arrive by themselves.",
    )
    add.add_argument(
        "source", metavar="HANDLE-OR-URL", help="https://oer.example.edu, @library@host or @collection@host"
    )
    admin_options(add)
    add.set_defaults(run=cmd_add, without_settings=True)

    remove = actions.add_parser(
        "remove",
        help="forget an instance",
        description="Unfollow every actor of the instance (Undo Follow) and forget all it published.",
    )
    remove.add_argument("instance_name", metavar="INSTANCE", help="its host, address or a handle on it")
    admin_options(remove)
    remove.set_defaults(run=cmd_remove, without_settings=True)

    listing = actions.add_parser("list", help="what the index follows", description="Instances, actors, states.")
    admin_options(listing)
    listing.set_defaults(run=cmd_list, without_settings=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m lectern.discovery_index ...`: the same commands without a Lectern project's settings."""
    from lectern.errors import LecternError

    parser = argparse.ArgumentParser(
        prog="python -m lectern.discovery_index", description="The Lectern discovery index."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    holder = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_commands(holder)
    args = parser.parse_args(["index", *(argv if argv is not None else sys.argv[1:])])
    try:
        code: int = args.run(args, None)
        return code
    except LecternError as problem:
        print(f"lectern index: {problem}", file=sys.stderr)
        return 1


__all__ = ["add_commands"]
