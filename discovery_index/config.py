"""The index service's configuration: where its state lives, its public address, and its admin token.

The index does not read `pelicanconf.py`: it is not a site. Its options come from `lectern index serve` and the
environment, validated once at start:

    --instance DIR     LECTERN_INDEX_DIR        state, key pair and admin token (default: index-instance/)
    --url URL          LECTERN_INDEX_URL        the public address its actor ids live on (default: http://HOST:PORT)
    --allow-private-addresses
                       LECTERN_ALLOW_PRIVATE_ADDRESSES=1   fetch and deliver to loopback/private addresses (tests)
                       LECTERN_INDEX_TOKEN      the admin token; otherwise `admin-token` in the instance folder,
                                                created (mode 0600) the first time the service starts
                       LECTERN_INDEX_THEME_CSS  the site theme's stylesheet to reuse (default: themes/lectern's)
                       LECTERN_INDEX_DATABASE_URL  where the index is stored: postgresql://user:password@host/db
                                                (any number of index processes share it: `postgres_store`), or
                                                sqlite:PATH; default: index.sqlite3 in the instance folder

Everything the index publishes hangs off the public URL: `/actor` (its Service actor, key `/actor#main-key`),
`/inbox` (its inbox and shared inbox), `/outbox`, `/following`, `/followers`.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lectern.discovery_index.errors import AdminError, IndexConfigError
from lectern.discovery_index.storage import IndexStore
from lectern.errors import SettingsError
from lectern.federation_shim import StorageUnavailable
from lectern.resources import default_theme
from lectern.settings import check_database_url

DEFAULT_INSTANCE_DIR = "index-instance"
DEFAULT_PORT = 8100
STATE_FILE = "index.sqlite3"
TOKEN_FILE = "admin-token"
DATABASE_VARIABLE = "LECTERN_INDEX_DATABASE_URL"
SQLITE_PREFIX = "sqlite:"
SERVICE_FILE = "service.json"  # where the running service listens, for `lectern index add/remove/list`
ACTOR_NAME = "index"
THEME_CSS = default_theme() / "assets" / "lectern.css"


@dataclass(frozen=True)
class IndexConfig:
    instance_dir: Path
    public_url: str  # scheme://host[:port], no trailing slash
    allow_private_addresses: bool = False
    name: str = "Lectern discovery index"
    actor_max_age: float = 300.0  # seconds an actor's document (its `indexable`) is trusted before it is refetched
    theme_css: Path | None = THEME_CSS
    database_url: str | None = None  # None: SQLite in the instance folder; "sqlite:PATH" or a PostgreSQL URL

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).netloc

    @property
    def actor_id(self) -> str:
        return f"{self.public_url}/actor"

    @property
    def key_id(self) -> str:
        return f"{self.actor_id}#main-key"

    @property
    def inbox(self) -> str:
        return f"{self.public_url}/inbox"

    @property
    def state_file(self) -> Path:
        """The SQLite database, when the index is on SQLite."""
        if self.database_url and self.database_url.startswith(SQLITE_PREFIX):
            return Path(self.database_url[len(SQLITE_PREFIX) :])
        return self.instance_dir / STATE_FILE

    @property
    def on_postgresql(self) -> bool:
        return bool(self.database_url) and not str(self.database_url).startswith(SQLITE_PREFIX)


def open_index_store(config: IndexConfig) -> IndexStore:
    """The index's store where the configuration says: SQLite (one process) or PostgreSQL (any number of index
    processes, on any number of machines). A PostgreSQL database that cannot be reached, or refuses the index's
    tables, is an IndexConfigError of one line (its password left out)."""
    if not config.on_postgresql:
        from lectern.discovery_index.sqlite_store import SqliteIndexStore

        return SqliteIndexStore(config.state_file)
    from lectern.discovery_index.postgres_store import PostgresIndexStore  # psycopg only when PostgreSQL is used

    try:
        return PostgresIndexStore(str(config.database_url))
    except StorageUnavailable as problem:
        raise IndexConfigError(f"{DATABASE_VARIABLE}: {problem}") from problem


def check_url(value: str, where: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise IndexConfigError(f"{where}: {value!r} is not an address such as 'https://index.example.org'")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def env_flag(name: str) -> bool:
    raw = os.environ.get(name, "")
    if raw.lower() in ("", "0", "false", "no", "off"):
        return False
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    raise IndexConfigError(f"the environment variable {name}={raw!r} must be 1 or 0")


def instance_dir(given: str | None) -> Path:
    return Path(given or os.environ.get("LECTERN_INDEX_DIR") or DEFAULT_INSTANCE_DIR).resolve()


def make_config(
    instance: str | None,
    url: str | None,
    host: str,
    port: int,
    allow_private_addresses: bool,
    actor_max_age: float = 300.0,
) -> IndexConfig:
    if not 0 < port < 65536:
        raise IndexConfigError(f"--port {port}: a port is a number from 1 to 65535")
    if actor_max_age < 0:
        raise IndexConfigError(f"--actor-max-age {actor_max_age:g}: a number of seconds, 0 or more")
    bind = f"[{host}]" if ":" in host else host
    public = url or os.environ.get("LECTERN_INDEX_URL") or f"http://{bind}:{port}"
    theme = os.environ.get("LECTERN_INDEX_THEME_CSS")
    folder = instance_dir(instance)
    try:
        database = check_database_url(os.environ.get(DATABASE_VARIABLE), DATABASE_VARIABLE, folder)
    except SettingsError as problem:
        raise IndexConfigError(str(problem)) from problem
    return IndexConfig(
        instance_dir=folder,
        public_url=check_url(public, "--url" if url else "LECTERN_INDEX_URL"),
        allow_private_addresses=allow_private_addresses or env_flag("LECTERN_ALLOW_PRIVATE_ADDRESSES"),
        actor_max_age=actor_max_age,
        theme_css=Path(theme) if theme else THEME_CSS,
        database_url=database,
    )


def admin_token(folder: Path, *, create: bool) -> str:
    """LECTERN_INDEX_TOKEN, else the instance folder's token file (created when `create`). The file appears whole or
    not at all (written aside, then linked into place: of two services starting at once, the first one's token
    stays); an empty one, left by an older version that crashed while writing it, is never a token."""
    from_env = os.environ.get("LECTERN_INDEX_TOKEN", "").strip()
    if from_env:
        return from_env
    path = folder / TOKEN_FILE
    found = path.read_text(encoding="ascii").strip() if path.exists() else ""
    if found:
        return found
    if not create:
        raise AdminError(
            f"no admin token: set LECTERN_INDEX_TOKEN or run this where {path} exists (the service writes it on "
            "its first start; pass --instance to name its folder)"
        )
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    aside = folder / f".{TOKEN_FILE}-{secrets.token_hex(8)}"
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(aside, path)
        except FileExistsError:  # another service wrote it first (its token is the one), or an empty one is there
            if not path.read_text(encoding="ascii").strip():
                os.replace(aside, path)
    finally:
        aside.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


def record_service(folder: Path, listening: str) -> None:
    """Write where the service listens, so the CLI on this machine finds it without --index-url."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SERVICE_FILE).write_text(json.dumps({"url": listening}) + "\n", encoding="utf-8")


def service_url(folder: Path, given: str | None) -> str:
    """The admin address: --index-url, LECTERN_INDEX_ADMIN_URL, the running service's record, or the default."""
    if given or os.environ.get("LECTERN_INDEX_ADMIN_URL"):
        return check_url(given or os.environ["LECTERN_INDEX_ADMIN_URL"], "--index-url")
    try:
        recorded = json.loads((folder / SERVICE_FILE).read_text(encoding="utf-8"))
        return check_url(str(recorded["url"]), str(folder / SERVICE_FILE))
    except (OSError, ValueError, KeyError, TypeError):
        return f"http://127.0.0.1:{DEFAULT_PORT}"
