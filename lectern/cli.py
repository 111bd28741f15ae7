"""The `lectern` command. Each command is imported explicitly, by name, where the parser is built (no plug-in
discovery), from the module that does its work:

    check, build, keys            here
    doctor                        lectern.doctor
    export, init                  lectern.export_command, lectern.init_site
    serve, followers, deliver,    lectern.shim_commands (the shim: lectern.shim_app, on the federation toolkit)
    status
    publish                       lectern.publish.cli
    index ...                     lectern.discovery_index.cli

Every failure a person can fix ends as one or more lines on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from lectern.errors import LecternError
from lectern.settings import Settings, load_settings

Command = Callable[[argparse.Namespace, Settings], int]


class LecternArgumentParser(argparse.ArgumentParser):
    """A mistake on the command line is one line (what is wrong, where to read more), not the usage block first.
    Subcommands' parsers, plugged ones included, are of this class too (`add_subparsers` makes them so)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}; see '{self.prog} --help'\n")


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(Path(args.settings))
    return settings.with_overrides(
        site_url=getattr(args, "site_url", None),
        output_dir=Path(args.output) if getattr(args, "output", None) else None,
        instance_dir=Path(args.instance) if getattr(args, "instance", None) else None,
    )


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from lectern.build import check_content

    problems = check_content(settings)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found; nothing was built.",
            file=sys.stderr,
        )
        return 1
    print("The content is valid.")
    return 0


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from lectern.build import build_site
    from lectern.build_chatter import pelican_chatter_hidden

    with pelican_chatter_hidden(args.verbose):
        report = build_site(settings)
    print(
        f"Built {report.resources} resources in {report.collections} collections into {settings.output_dir} "
        f"({report.seconds:.1f} s)."
    )
    return 0


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    from lectern.keys import load_or_create_private_key, private_key_path, public_key_pem

    key = load_or_create_private_key(settings.instance_dir)
    if args.action == "public":
        print(public_key_pem(key), end="")
    else:
        print(private_key_path(settings.instance_dir))
    return 0


# The commands `build_parser(core_only=True)` knows: enough to parse a command line that names one of them, without
# importing the services' packages (aiohttp, boto3, ...: a third of a build's memory and a tenth of its time).
CORE_COMMANDS = frozenset({"check", "build", "keys"})


def build_parser(core_only: bool = False) -> argparse.ArgumentParser:
    parser = LecternArgumentParser(
        prog="lectern",
        description="Publish open educational resources from Markdown to the web and the Fediverse.",
    )
    parser.add_argument("--settings", default="pelicanconf.py", help="the settings file (default: pelicanconf.py)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="validate the content without building",
        description="Validate every file under content/ and list every problem.",
    )
    check.set_defaults(run=cmd_check)

    build = commands.add_parser(
        "build",
        help="build the site and its ActivityPub files",
        description="Check the content, then build the HTML site and its ActivityPub "
        "JSON-LD. Nothing is written when the content has problems.",
    )
    build.add_argument("--site-url", help="the public address of the site, e.g. https://oer.example.edu")
    build.add_argument("--output", help="the output folder (default: output/)")
    build.add_argument("--instance", help="the instance folder with the key pair (default: instance/)")
    build.set_defaults(run=cmd_build)

    keys = commands.add_parser(
        "keys",
        help="show the instance's key pair",
        description="Create the instance's key pair if needed; print the public key (for a "
        "build in CI: LECTERN_PUBLIC_KEY) or where the private key is.",
    )
    keys.add_argument("action", choices=["public", "path"])
    keys.add_argument("--instance", help="the instance folder (default: instance/)")
    keys.set_defaults(run=cmd_keys)
    if core_only:
        _verbose_everywhere(parser)
        return parser

    from lectern.doctor import add_command as add_doctor

    add_doctor(commands)

    from lectern.export_command import add_command as add_export
    from lectern.init_site import add_command as add_init

    add_export(commands)
    add_init(commands)

    from lectern.review_command import add_command as add_review

    add_review(commands)

    from lectern.discovery_index.cli import add_commands as add_index_commands
    from lectern.publish.cli import add_commands as add_publish_commands
    from lectern.shim_commands import add_commands as add_shim_commands

    add_shim_commands(commands)
    add_publish_commands(commands)
    add_index_commands(commands)
    _verbose_everywhere(parser)
    return parser


def _verbose_everywhere(parser: argparse.ArgumentParser) -> None:
    """`-v` after the subcommand too (`lectern serve -v`, `lectern index serve -v`), not only `lectern -v serve`.
    Its default is SUPPRESS, so a subcommand without it keeps what the top level said."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for command in action.choices.values():
            if not any("--verbose" in option.option_strings for option in command._actions):
                command.add_argument(
                    "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens"
                )
            _verbose_everywhere(command)


def names_core_command(argv: Sequence[str]) -> bool:
    """True when the command in `argv` is one of `CORE_COMMANDS` (and no help comes before it)."""
    rest = list(argv)
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option in ("-h", "--help"):
            return False
        if option == "--settings" and rest:
            rest.pop(0)
    return bool(rest) and rest[0] in CORE_COMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    args = build_parser(core_only=names_core_command(arguments)).parse_args(arguments)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    run: Command = args.run
    try:
        if getattr(args, "without_settings", False):  # e.g. `lectern index`: a service of its own
            return run(args, None)  # type: ignore[arg-type]
        return run(args, _settings(args))
    except LecternError as error:
        print(f"lectern: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        where = f" writing {error.filename}" if error.filename else ""
        print(f"lectern: no space left on the disk{where}; free some space and run the command again", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lectern: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
