"""A real PostgreSQL for the tests: a cluster made with initdb in a temporary folder, listening only on a Unix socket
in that folder (no TCP port, so nothing else on the machine can reach it or collide with it), stopped at the end.

PostgreSQL refuses to run as root (CI runs as root): then the cluster belongs to the unprivileged `postgres` user that
Debian's package creates, and initdb, pg_ctl and postgres run through `runuser`. The tests connect as the cluster's
superuser `lectern` over the socket, with trust authentication (only this machine's users can open the socket, and the
cluster holds nothing but test data). Durability is off (fsync, synchronous_commit): a test's data need not survive a
power cut, and the suite runs faster (a benchmark asks for `durable=True`).

`PostgresServer.new_database()` makes an empty database and returns its URL, so each test starts from nothing.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

SUPERUSER = "lectern"
UNPRIVILEGED_USER = "postgres"  # Debian's postgresql package creates it
DEBIAN_BINARIES = Path("/usr/lib/postgresql")


def find_binary(name: str) -> str | None:
    """`name` on PATH, or in Debian's /usr/lib/postgresql/<version>/bin (newest version first)."""
    found = shutil.which(name)
    if found:
        return found
    if DEBIAN_BINARIES.is_dir():
        versions = sorted(DEBIAN_BINARIES.iterdir(), key=lambda path: int(path.name) if path.name.isdigit() else 0)
        for version in reversed(versions):
            candidate = version / "bin" / name
            if candidate.is_file():
                return str(candidate)
    return None


def missing_parts() -> str | None:
    """Why a test PostgreSQL cannot run here, or None when it can."""
    for name in ("initdb", "pg_ctl"):
        if find_binary(name) is None:
            return f"PostgreSQL is not installed ({name} not found on PATH or in {DEBIAN_BINARIES}/<version>/bin)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError:
            return f"running as root and there is no {UNPRIVILEGED_USER!r} user to run PostgreSQL as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary,pool]')"
    return None


class PostgresServer:
    """One running cluster; see the module docstring."""

    def __init__(self, durable: bool = False) -> None:
        """`durable`: PostgreSQL's own defaults for fsync and commits (for a benchmark), instead of the tests' speed."""
        self.folder = Path(tempfile.mkdtemp(prefix="lectern-pg-"))  # short: a socket path has at most 107 bytes
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:  # the cluster's files must belong to the user that runs it
            account = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run(
            find_binary("initdb") or "initdb",
            "--pgdata", str(self.data), "--username", SUPERUSER, "--auth", "trust",
            "--encoding", "UTF8", "--locale", "C", "--no-sync",
        )  # fmt: skip
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.folder}' -c max_connections=300"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(find_binary("pg_ctl") or "pg_ctl", "start", "--wait", "--timeout", "60",
                  "--pgdata", str(self.data), "--log", str(self.log), "-o", options)  # fmt: skip
        self.admin_url = self.url("postgres")

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", UNPRIVILEGED_USER, "--"] if self.as_root else []
        done = subprocess.run(prefix + list(command), cwd=self.folder, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stdout}{done.stderr}\n{log}")

    def url(self, database: str) -> str:
        """A libpq URL of `database` on this cluster (its socket folder as the host)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={quote(str(self.folder), safe='')}"

    def new_database(self) -> str:
        """An empty database of its own; its URL."""
        import psycopg

        name = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(find_binary("pg_ctl") or "pg_ctl", "stop", "--wait", "--mode", "immediate",
                      "--pgdata", str(self.data))  # fmt: skip
        finally:
            for _ in range(3):  # the server may still be removing its socket
                shutil.rmtree(self.folder, ignore_errors=True)
                if not self.folder.exists():
                    break
                time.sleep(0.2)
