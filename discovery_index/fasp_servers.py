"""The Fediverse servers registered with the index as a FASP (Fediverse Auxiliary Service Provider v0.1), kept in
`fasp.sqlite3` in the instance folder: per server the identifier the index generated for it (`serverId`, the keyid
its requests carry), the index's own Ed25519 key for that server, the server's public key and `faspId` (what it
answered to the registration POST), and the capabilities it enabled.

Spec: `general/v0.1/registration.md` in mastodon/fediverse_auxiliary_service_provider_specifications ("A successful
registration results in the FASP creating an Ed25519 keypair and an unique identifier (ID) for the fediverse
server"); Mastodon's side stores the same in `app/models/fasp/provider.rb`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from lectern.federation_shim import ed25519_public_key_from_base64, ed25519_public_key_to_base64

FASP_FILE = "fasp.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fasp_servers (
    server_id TEXT PRIMARY KEY, base_url TEXT NOT NULL, private_key BLOB NOT NULL, server_key TEXT NOT NULL DEFAULT '',
    fasp_id TEXT NOT NULL DEFAULT '', completion_uri TEXT NOT NULL DEFAULT '', registered_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS fasp_capabilities (
    server_id TEXT NOT NULL, capability TEXT NOT NULL, version TEXT NOT NULL, PRIMARY KEY (server_id, capability)
);
CREATE TABLE IF NOT EXISTS fasp_requests (
    server_id TEXT NOT NULL, kind TEXT NOT NULL, remote_id TEXT NOT NULL, category TEXT NOT NULL,
    rounds INTEGER NOT NULL DEFAULT 1, made_at REAL NOT NULL, PRIMARY KEY (server_id, kind, remote_id)
);
"""


@dataclass(frozen=True)
class RemoteRequest:
    """What the index asked a server for and the id the server gave it: an event `subscription` (kept until
    data_sharing is turned off, when the index unsubscribes) or a `backfill` request (`rounds`: how many times it was
    continued)."""

    kind: str  # "subscription" or "backfill"
    remote_id: str
    category: str
    rounds: int = 1


@dataclass(frozen=True)
class FaspServer:
    server_id: str
    base_url: str  # the server's FASP base URL (`faspBaseUrl` of its NodeInfo)
    private_key: Ed25519PrivateKey  # the index's key for this server
    server_key: Ed25519PublicKey | None  # None until the server answered the registration
    fasp_id: str
    completion_uri: str

    @property
    def public_key_base64(self) -> str:
        return ed25519_public_key_to_base64(self.private_key.public_key())

    @property
    def fingerprint(self) -> str:
        """What the server's admin compares before accepting: base64 of the SHA-256 of the public key's raw bytes."""
        raw = base64.b64decode(self.public_key_base64)
        return base64.b64encode(hashlib.sha256(raw).digest()).decode("ascii")


class FaspServers:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def create(self, base_url: str) -> FaspServer:
        server_id = secrets.token_urlsafe(9)
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        self._db.execute(
            "INSERT INTO fasp_servers (server_id, base_url, private_key, registered_at) VALUES (?, ?, ?, ?)",
            (server_id, base_url, raw, time.time()),
        )
        return FaspServer(server_id, base_url, key, None, "", "")

    def complete(self, server_id: str, server_key: str, fasp_id: str, completion_uri: str) -> None:
        """Store the server's answer; raises ValueError for a key that is not a base64 Ed25519 key."""
        ed25519_public_key_from_base64(server_key)
        self._db.execute(
            "UPDATE fasp_servers SET server_key = ?, fasp_id = ?, completion_uri = ? WHERE server_id = ?",
            (server_key, fasp_id, completion_uri, server_id),
        )

    def forget(self, server_id: str) -> None:
        self._db.execute("DELETE FROM fasp_servers WHERE server_id = ?", (server_id,))
        self._db.execute("DELETE FROM fasp_capabilities WHERE server_id = ?", (server_id,))
        self._db.execute("DELETE FROM fasp_requests WHERE server_id = ?", (server_id,))

    def get(self, server_id: str) -> FaspServer | None:
        row = self._db.execute(
            "SELECT server_id, base_url, private_key, server_key, fasp_id, completion_uri FROM fasp_servers"
            " WHERE server_id = ?",
            (server_id,),
        ).fetchone()
        if row is None:
            return None
        key = ed25519_public_key_from_base64(row[3]) if row[3] else None
        return FaspServer(row[0], row[1], Ed25519PrivateKey.from_private_bytes(row[2]), key, row[4], row[5])

    def all(self) -> list[FaspServer]:
        ids = [row[0] for row in self._db.execute("SELECT server_id FROM fasp_servers ORDER BY registered_at")]
        return [server for server in map(self.get, ids) if server is not None]

    def set_capability(self, server_id: str, capability: str, version: str, enabled: bool) -> None:
        if enabled:
            self._db.execute(
                "INSERT OR REPLACE INTO fasp_capabilities (server_id, capability, version) VALUES (?, ?, ?)",
                (server_id, capability, version),
            )
        else:
            self._db.execute(
                "DELETE FROM fasp_capabilities WHERE server_id = ? AND capability = ?", (server_id, capability)
            )

    def capabilities(self, server_id: str) -> dict[str, str]:
        rows = self._db.execute("SELECT capability, version FROM fasp_capabilities WHERE server_id = ?", (server_id,))
        return {capability: version for capability, version in rows}

    def remember_request(self, server_id: str, request: RemoteRequest) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO fasp_requests (server_id, kind, remote_id, category, rounds, made_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (server_id, request.kind, request.remote_id, request.category, request.rounds, time.time()),
        )

    def requests(self, server_id: str, kind: str) -> list[RemoteRequest]:
        rows = self._db.execute(
            "SELECT kind, remote_id, category, rounds FROM fasp_requests WHERE server_id = ? AND kind = ?"
            " ORDER BY made_at, remote_id",
            (server_id, kind),
        )
        return [RemoteRequest(*row) for row in rows]

    def request(self, server_id: str, kind: str, remote_id: str) -> RemoteRequest | None:
        row = self._db.execute(
            "SELECT kind, remote_id, category, rounds FROM fasp_requests"
            " WHERE server_id = ? AND kind = ? AND remote_id = ?",
            (server_id, kind, remote_id),
        ).fetchone()
        return None if row is None else RemoteRequest(*row)

    def forget_request(self, server_id: str, request: RemoteRequest) -> None:
        self._db.execute(
            "DELETE FROM fasp_requests WHERE server_id = ? AND kind = ? AND remote_id = ?",
            (server_id, request.kind, request.remote_id),
        )
