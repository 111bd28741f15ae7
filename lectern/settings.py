"""Lectern's settings: read once from `pelicanconf.py` (the one settings file), validated, with environment overrides.

Pelican's own settings (SITEURL, SITENAME, TIMEZONE, PATH, ...) stay top-level; Lectern's options sit in one dict,
`LECTERN`. Deployment values come from the environment, which wins over the file:

    LECTERN_SITE_URL                   the public address of the site (Pelican's SITEURL)
    LECTERN_INSTANCE_DIR               the folder with the key pair and the shim's state (default: instance/)
    LECTERN_PUBLIC_KEY / _FILE         the public key in PEM, for a build that runs without the instance folder (CI)
    LECTERN_ALLOW_PRIVATE_ADDRESSES=1  let the shim fetch loopback and private addresses (tests only)
    LECTERN_DELIVER_TOKEN              enables the shim's delivery trigger, POST /_lectern/deliver (unset: off)
    LECTERN_DELIVERY_TIMEOUT           seconds to wait for each inbox (default 10)
    LECTERN_BUSY_PATIENCE              seconds `lectern deliver` waits for another process's database lock (120)
    LECTERN_SERVE_STATIC=1             the shim run alone (`lectern.shim_app:app_from_environment`) serves the site
    LECTERN_SETTINGS                   the settings file of the shim run alone (default: ./pelicanconf.py)
    LECTERN_DATABASE_URL               where the shim keeps its state (LECTERN['DATABASE_URL']): postgresql://... for
                                       PostgreSQL, sqlite:PATH for a SQLite file (default: instance/shim.sqlite3)

Every one is read and checked here, once; nothing else in Lectern reads the environment for a setting.

The file is executed as Python, like Pelican does; this module does not import Pelican, so the shim can read it too.
"""

from __future__ import annotations

import os
import re
import runpy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lectern.errors import SettingsError
from lectern.resources import default_theme

USERNAME = re.compile(r"^[a-z][a-z0-9_-]{1,29}$")

DEFAULTS: dict[str, Any] = {
    "SITE_ACTOR": "library",
    "SITE_ACTOR_SUMMARY": "",
    "OUTBOX_PAGE_SIZE": 20,
    "DISCOVERABLE": True,
    "INDEXABLE": True,
    "SHOW_FOLLOWERS": False,
    "BLOCKED_DOMAINS": [],
    "ALLOW_PRIVATE_ADDRESSES": False,
    "INSTANCE_DIR": "instance",
    "SOFTWARE_NAME": "lectern",
    "COLLECTIONS": None,
    # replies approved without review (never in a classroom collection): from followers, from these servers
    "APPROVE_REPLIES_FROM_FOLLOWERS": False,
    "APPROVE_REPLIES_FROM_SERVERS": [],
    # the shim's state: None (a SQLite file in the instance folder), "postgresql://..." or "sqlite:PATH"
    "DATABASE_URL": None,
}


@dataclass(frozen=True)
class Settings:
    """Everything Lectern reads from pelicanconf.py, validated. Paths are absolute."""

    project_dir: Path
    settings_file: Path
    content_dir: Path
    output_dir: Path
    theme_dir: Path
    site_url: str
    site_name: str
    timezone: str
    default_lang: str
    site_actor: str
    site_actor_summary: str
    outbox_page_size: int
    discoverable: bool
    indexable: bool
    show_followers: bool
    blocked_domains: tuple[str, ...]
    allow_private_addresses: bool
    instance_dir: Path
    public_key_pem: str | None
    pelican: Mapping[str, Any] = field(repr=False, default_factory=dict)
    # The folders under content/ that are collections, when Lectern shares content/ with a Pelican site's own
    # posts and pages (docs/pelican-plugin.md); None: every folder holding a collection.md.
    collections: tuple[str, ...] | None = None
    # who said the site URL, when someone did: "--site-url" or "LECTERN_SITE_URL"; None for the settings file's SITEURL
    # (or a command's own default), which a command acting on a build gives way to the build's (lectern.built_site)
    site_url_told_by: str | None = None
    deliver_token: str = ""  # LECTERN_DELIVER_TOKEN; "" turns the delivery trigger off
    delivery_timeout: float = 10.0  # LECTERN_DELIVERY_TIMEOUT
    busy_patience: float = 120.0  # LECTERN_BUSY_PATIENCE
    serve_static: bool = False  # LECTERN_SERVE_STATIC
    approve_replies_from_followers: bool = False
    approve_replies_from_servers: tuple[str, ...] = ()
    # LECTERN_DATABASE_URL or LECTERN['DATABASE_URL']: a postgresql:// URL, "sqlite:" and an absolute path, or None
    # (the SQLite file in the instance folder); see lectern.shim_storage
    database_url: str | None = None

    @property
    def host(self) -> str:
        """The host (with port, when there is one) that handles and ids live on: `example.edu`, `127.0.0.1:8000`."""
        return urlsplit(self.site_url).netloc

    def with_overrides(
        self,
        site_url: str | None = None,
        output_dir: Path | None = None,
        instance_dir: Path | None = None,
        *,
        site_url_told_by: str | None = "--site-url",
    ) -> Settings:
        """These values instead of the file's; `site_url_told_by=None` for a command's default site URL rather than
        one a person gave."""
        changed = self
        if site_url is not None:
            checked = check_site_url(site_url, site_url_told_by or "the site URL")
            changed = replace(changed, site_url=checked, site_url_told_by=site_url_told_by)
        if output_dir is not None:
            changed = replace(changed, output_dir=output_dir.resolve())
        if instance_dir is not None:
            changed = replace(changed, instance_dir=instance_dir.resolve())
        return changed


def check_site_url(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"{where}: the site address must be text such as 'https://example.edu'")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(f"{where}: {value!r} is not a site address; write one such as 'https://example.edu'")
    if parts.path not in ("", "/"):
        raise SettingsError(
            f"{where}: {value!r} has a path; Lectern needs a site at the root of its host, "
            "such as 'https://oer.example.edu'"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _password_hidden(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is not None:
        url = url.replace(f":{parts.password}@", ":***@", 1)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url)


def check_database_url(value: object, where: str, project_dir: Path) -> str | None:
    """A PostgreSQL URL as it is, a SQLite one as "sqlite:" and an absolute path (a relative path is in the project
    folder), None for the default; a SettingsError naming `where` for anything else."""
    if value is None or value == "":
        return None
    example = "'postgresql://lectern:secret@db.example.edu:5432/lectern' or 'sqlite:instance/shim.sqlite3'"
    if not isinstance(value, str):
        raise SettingsError(f"{where}: the database URL must be text such as {example}")
    url = value.strip()
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        path = url[len("sqlite:") :].removeprefix("//")
        if not path:
            raise SettingsError(f"{where}: {url!r} names no file; write one such as {example}")
        return f"sqlite:{(project_dir / path).resolve()}"
    if scheme in ("postgresql", "postgres"):
        parts = urlsplit(url)
        if parts.fragment or not (parts.hostname or "host=" in parts.query) or not parts.path.strip("/"):
            raise SettingsError(
                f"{where}: {_password_hidden(url)!r} needs a server and a database name; write one such as {example}"
            )
        return url
    raise SettingsError(
        f"{where}: {_password_hidden(url)!r} is not a database Lectern can use: write a PostgreSQL URL or a "
        f"SQLite one, such as {example}"
    )


def site_url_from_environment() -> str | None:
    """LECTERN_SITE_URL, when set: it wins over the settings file's SITEURL (checked where it is used)."""
    return os.environ.get("LECTERN_SITE_URL") or None


def _env_flag(name: str) -> bool | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"the environment variable {name}={raw!r} must be 1 or 0")


def _env_seconds(name: str, default: float, least: float) -> float:
    """A number of seconds from the environment; at least `least`."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if seconds != seconds or seconds in (float("inf"), float("-inf")) or seconds < 0:
        raise SettingsError(f"the environment variable {name}={raw!r} must be a number of seconds, such as {default:g}")
    return max(least, seconds)


def _is_folder_name(value: object) -> bool:
    """A folder directly in the content folder: `fractions` (or `fractions/`), not `a/b`, `..` or ''."""
    return isinstance(value, str) and value.strip("/") not in ("", ".", "..") and "/" not in value.strip("/")


def _public_key_from_env() -> str | None:
    pem = os.environ.get("LECTERN_PUBLIC_KEY")
    path = os.environ.get("LECTERN_PUBLIC_KEY_FILE")
    if pem:
        return pem.strip() + "\n"
    if path:
        try:
            return Path(path).read_text(encoding="ascii").strip() + "\n"
        except OSError as error:
            raise SettingsError(f"LECTERN_PUBLIC_KEY_FILE={path!r} cannot be read: {error.strerror}") from None
    return None


def load_settings(settings_file: Path) -> Settings:
    """Read and validate `pelicanconf.py`. Raises SettingsError with a message naming the setting."""
    settings_file = settings_file.resolve()
    if not settings_file.is_file():
        raise SettingsError(
            f"{settings_file}: there is no settings file; run lectern from the project folder "
            "or pass --settings path/to/pelicanconf.py"
        )
    try:
        raw = runpy.run_path(str(settings_file))
    except Exception as error:  # a settings file is user code: report, never a traceback
        raise SettingsError(f"{settings_file}: cannot be read as Python ({type(error).__name__}: {error})") from None
    pelican = {key: value for key, value in raw.items() if key.isupper()}
    return settings_from_mapping(pelican, settings_file)


def load_settings_from_environment() -> Settings:
    """The settings of a process started without a command line (an ASGI factory): the file LECTERN_SETTINGS names."""
    return load_settings(Path(os.environ.get("LECTERN_SETTINGS", "pelicanconf.py")))


def settings_from_mapping(pelican: Mapping[str, Any], settings_file: Path) -> Settings:
    """Validate Lectern's settings from an already-read settings mapping (e.g. Pelican's own)."""
    where = settings_file.name
    lectern = pelican.get("LECTERN", {})
    if not isinstance(lectern, dict):
        raise SettingsError(f"{where}: LECTERN must be a dict such as LECTERN = {{'SITE_ACTOR': 'library'}}")
    unknown = sorted(set(lectern) - set(DEFAULTS))
    if unknown:
        raise SettingsError(
            f"{where}: LECTERN has unknown option(s) {', '.join(unknown)}; "
            f"the options are {', '.join(sorted(DEFAULTS))}"
        )
    options = {**DEFAULTS, **lectern}
    project_dir = settings_file.parent

    from_environment = site_url_from_environment()
    site_url = check_site_url(
        from_environment or pelican.get("SITEURL", ""), "LECTERN_SITE_URL" if from_environment else f"{where}: SITEURL"
    )
    site_actor = options["SITE_ACTOR"]
    if not isinstance(site_actor, str) or not USERNAME.match(site_actor):
        raise SettingsError(
            f"{where}: LECTERN['SITE_ACTOR'] = {site_actor!r} cannot be a handle; use 2 to 30 "
            "lower-case letters, digits, '-' or '_', starting with a letter"
        )
    page_size = options["OUTBOX_PAGE_SIZE"]
    if not isinstance(page_size, int) or not 1 <= page_size <= 200:
        raise SettingsError(f"{where}: LECTERN['OUTBOX_PAGE_SIZE'] must be a whole number from 1 to 200")
    for flag in (
        "DISCOVERABLE",
        "INDEXABLE",
        "SHOW_FOLLOWERS",
        "ALLOW_PRIVATE_ADDRESSES",
        "APPROVE_REPLIES_FROM_FOLLOWERS",
    ):
        if not isinstance(options[flag], bool):
            raise SettingsError(f"{where}: LECTERN[{flag!r}] must be True or False")
    blocked = options["BLOCKED_DOMAINS"]
    if not isinstance(blocked, list | tuple) or not all(isinstance(d, str) for d in blocked):
        raise SettingsError(f"{where}: LECTERN['BLOCKED_DOMAINS'] must be a list of domains, e.g. ['spam.example']")
    trusted = options["APPROVE_REPLIES_FROM_SERVERS"]
    if not isinstance(trusted, list | tuple) or not all(isinstance(d, str) and d.strip() for d in trusted):
        raise SettingsError(
            f"{where}: LECTERN['APPROVE_REPLIES_FROM_SERVERS'] must be a list of server names, e.g. ['school.example']"
        )
    timezone_name = pelican.get("TIMEZONE", "UTC")
    try:
        ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{where}: TIMEZONE = {timezone_name!r} is not a time zone; write one such as 'Europe/Madrid' or 'UTC'"
        ) from None
    allow_private = _env_flag("LECTERN_ALLOW_PRIVATE_ADDRESSES")
    instance = os.environ.get("LECTERN_INSTANCE_DIR") or options["INSTANCE_DIR"]
    theme = pelican.get("THEME") or default_theme()
    collections = options["COLLECTIONS"]
    if collections is not None and (
        not isinstance(collections, list | tuple) or not all(_is_folder_name(c) for c in collections)
    ):
        raise SettingsError(
            f"{where}: LECTERN['COLLECTIONS'] must be a list of the names of folders directly in the content "
            "folder, e.g. ['python-basics', 'fractions'], or left out"
        )

    database_url = os.environ.get("LECTERN_DATABASE_URL") or None
    database_where = "LECTERN_DATABASE_URL" if database_url else f"{where}: LECTERN['DATABASE_URL']"

    return Settings(
        project_dir=project_dir,
        settings_file=settings_file,
        content_dir=(project_dir / pelican.get("PATH", "content")).resolve(),
        output_dir=(project_dir / pelican.get("OUTPUT_PATH", "output")).resolve(),
        theme_dir=(project_dir / theme).resolve(),
        site_url=site_url,
        site_name=str(pelican.get("SITENAME", "Lectern")),
        timezone=timezone_name,
        default_lang=str(pelican.get("DEFAULT_LANG", "en")),
        site_actor=site_actor,
        site_actor_summary=str(options["SITE_ACTOR_SUMMARY"]),
        outbox_page_size=page_size,
        discoverable=options["DISCOVERABLE"],
        indexable=options["INDEXABLE"],
        show_followers=options["SHOW_FOLLOWERS"],
        blocked_domains=tuple(d.lower().strip() for d in blocked),
        allow_private_addresses=options["ALLOW_PRIVATE_ADDRESSES"] if allow_private is None else allow_private,
        instance_dir=(project_dir / instance).resolve(),
        public_key_pem=_public_key_from_env(),
        pelican=dict(pelican),
        collections=None if collections is None else tuple(c.strip("/") for c in collections),
        site_url_told_by="LECTERN_SITE_URL" if from_environment else None,
        deliver_token=os.environ.get("LECTERN_DELIVER_TOKEN", ""),
        delivery_timeout=_env_seconds("LECTERN_DELIVERY_TIMEOUT", 10.0, 0.1),
        busy_patience=_env_seconds("LECTERN_BUSY_PATIENCE", 120.0, 0.0),
        serve_static=bool(_env_flag("LECTERN_SERVE_STATIC")),
        approve_replies_from_followers=options["APPROVE_REPLIES_FROM_FOLLOWERS"],
        approve_replies_from_servers=tuple(d.lower().strip() for d in trusted),
        database_url=check_database_url(database_url or options["DATABASE_URL"], database_where, project_dir),
    )
