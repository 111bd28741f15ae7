"""The federation toolkit: what an ActivityPub app needs beside its own logic, over small modules behind this one
public API (import from here, not from the modules: `from lectern.federation_shim import Inbox, RemoteFetcher`).

    vocabulary        ACTIVITYSTREAMS, PUBLIC, the media types
    builders          create, announce, update, delete, tombstone, follow, undo, accept_follow, reject_follow; id_of,
                      timestamp
    URLs              parse_web_url, host_of (the host name), server_of (host and port: one server), TargetURI
    signatures        verify_request (cavage and RFC 9421, a result with a reason), sign_get, sign_post
    keys              KeyCache (fetches, remembers and re-checks actors' keys), public_key_from_pem
    fetching          RemoteFetcher (no private addresses, bounded size and redirects, content type checked)
    inbox             admit (Mastodon's order of checks), Inbox (a handler per activity type; Follow/Undo/Delete
                      on the followers store), InboxResult (a status and a reason)
    storage           protocols (FollowerStore, ProcessedActivities, KeyStore, DeliveryQueue, HostHealthStore,
                      Database; ShimStorage bundles one backend's), sqlite_storage (ShimState, DeliveryStore,
                      SqliteKeyStore), postgres_storage (PostgresDatabase, PostgresFollowers, PostgresKeyStore,
                      PostgresDeliveryStore; run_migrations for an app's own tables) and memory_storage (for tests)
    followers         Follower, followers_document (the followers collection)
    delivery          DeliveryWorker (signs and sends, retries per the policy), retry_policy's next_delay,
                      InboxClient, post_signed
    WebFinger         webfinger (the answer to a query), jrd (one account's document)
    ASGI adapter      read_body, target_uri, EXCEPTION_HANDLERS (the one module that imports Starlette)

See docs/federation-toolkit.md, with a complete example app. The toolkit imports nothing of Lectern's
(tests/federation_shim/test_import_boundaries.py). Names load on first use, so importing one name does not import
every module (a static build needs the vocabulary, not an HTTP client); no public name is also the name of a module
here, which would hide it once that module is loaded.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lectern.federation_shim.activities import (
        accept_follow,
        activity,
        announce,
        create,
        delete,
        follow,
        id_of,
        reject_follow,
        tombstone,
        undo,
        update,
    )
    from lectern.federation_shim.admission import MAX_BODY, Admitted, InboxResult, admit
    from lectern.federation_shim.asgi import EXCEPTION_HANDLERS, json_error, read_body, target_uri
    from lectern.federation_shim.cavage import sign_get, sign_post
    from lectern.federation_shim.delivery_store import DeliveryStore
    from lectern.federation_shim.delivery_worker import DeliveryWorker, WorkerStats
    from lectern.federation_shim.digests import content_digest_header, digest_header
    from lectern.federation_shim.errors import (
        ConnectionFailed,
        FetchError,
        FetchTimeout,
        ForbiddenAddress,
        HTTPStatusError,
        IdMismatch,
        InvalidDocument,
        TooLarge,
        TooManyRedirects,
        UnsupportedURL,
        WrongContentType,
    )
    from lectern.federation_shim.event_loop import run as run_event_loop
    from lectern.federation_shim.followers_collection import followers_collection as followers_document
    from lectern.federation_shim.http_signatures import (
        DEFAULT_POLICY,
        Reason,
        VerificationPolicy,
        VerificationResult,
        check_signer_is_actor,
        sign_request_rfc9421,
        verify_request,
    )
    from lectern.federation_shim.inbox import ActivityHandler, Inbox, LocalActors, SendActivity, is_blocked
    from lectern.federation_shim.inbox_client import InboxClient, PostResult, Reply
    from lectern.federation_shim.json_body import BadJSON, parse_json
    from lectern.federation_shim.key_cache import CachedKey, KeyCache
    from lectern.federation_shim.keys import KeyLookup, KeyLookupFailure, PublicKey, PublicKeyInfo, public_key_from_pem
    from lectern.federation_shim.memory_backend import (
        MemoryDatabase,
        MemoryDeliveryStore,
        MemoryFollowers,
        MemoryKeyStore,
        memory_storage,
    )
    from lectern.federation_shim.message_signatures import (
        MessageCheck,
        ed25519_public_key_from_base64,
        ed25519_public_key_to_base64,
        sign_message_ed25519,
        verify_message_ed25519,
        verify_response_ed25519,
    )
    from lectern.federation_shim.outgoing import activity_body, post_signed
    from lectern.federation_shim.postgres_backend import SHIM_MIGRATIONS, postgres_storage
    from lectern.federation_shim.postgres_database import PostgresDatabase, run_migrations
    from lectern.federation_shim.postgres_delivery import PostgresDeliveryStore
    from lectern.federation_shim.postgres_followers import PostgresFollowers, PostgresKeyStore
    from lectern.federation_shim.processes import pid_alive
    from lectern.federation_shim.remote_fetch import DEFAULT_USER_AGENT, FetchedDocument, RemoteFetcher
    from lectern.federation_shim.request_view import TargetURI, headers_from_pairs, lowercase_headers
    from lectern.federation_shim.retry_policy import MAX_RETRIES, Outcome, classify, next_delay, retry_delay
    from lectern.federation_shim.sqlite_backend import sqlite_storage
    from lectern.federation_shim.sqlite_key_store import SqliteKeyStore
    from lectern.federation_shim.state import LOOP_BUSY_TIMEOUT, STATE_FILE, ShimState
    from lectern.federation_shim.storage import (
        Database,
        DeliveryQueue,
        DeliveryStorage,
        Follower,
        FollowerStore,
        HostHealth,
        HostHealthStore,
        Job,
        JobProblem,
        KeyStore,
        OutgoingActivity,
        ProcessedActivities,
        QueueCounts,
        ShimStorage,
        job_host,
    )
    from lectern.federation_shim.storage_faults import DATABASE_BUSY, StorageUnavailable, storage_fault
    from lectern.federation_shim.timestamps import now_timestamp, timestamp
    from lectern.federation_shim.vocabulary import (
        ACTIVITY_JSON,
        ACTIVITYSTREAMS,
        JRD_JSON,
        LD_JSON_PROFILE,
        PUBLIC,
        SECURITY,
    )
    from lectern.federation_shim.web_urls import (
        MAX_URL_LENGTH,
        authority_of,
        host_of,
        is_web_url,
        parse_web_url,
        server_of,
        web_url_problem,
    )
    from lectern.federation_shim.webfinger_documents import WebFingerAccount, WebFingerAnswer, jrd, webfinger

_EXPORTS: dict[str, tuple[str, str]] = {
    "ACTIVITYSTREAMS": ("vocabulary", "ACTIVITYSTREAMS"),
    "ACTIVITY_JSON": ("vocabulary", "ACTIVITY_JSON"),
    "JRD_JSON": ("vocabulary", "JRD_JSON"),
    "LD_JSON_PROFILE": ("vocabulary", "LD_JSON_PROFILE"),
    "PUBLIC": ("vocabulary", "PUBLIC"),
    "SECURITY": ("vocabulary", "SECURITY"),
    "accept_follow": ("activities", "accept_follow"),
    "reject_follow": ("activities", "reject_follow"),
    "activity": ("activities", "activity"),
    "announce": ("activities", "announce"),
    "create": ("activities", "create"),
    "delete": ("activities", "delete"),
    "follow": ("activities", "follow"),
    "id_of": ("activities", "id_of"),
    "tombstone": ("activities", "tombstone"),
    "undo": ("activities", "undo"),
    "update": ("activities", "update"),
    "now_timestamp": ("timestamps", "now_timestamp"),
    "timestamp": ("timestamps", "timestamp"),
    "MAX_URL_LENGTH": ("web_urls", "MAX_URL_LENGTH"),
    "authority_of": ("web_urls", "authority_of"),
    "host_of": ("web_urls", "host_of"),
    "is_web_url": ("web_urls", "is_web_url"),
    "parse_web_url": ("web_urls", "parse_web_url"),
    "server_of": ("web_urls", "server_of"),
    "web_url_problem": ("web_urls", "web_url_problem"),
    "TargetURI": ("request_view", "TargetURI"),
    "headers_from_pairs": ("request_view", "headers_from_pairs"),
    "lowercase_headers": ("request_view", "lowercase_headers"),
    "DEFAULT_POLICY": ("http_signatures", "DEFAULT_POLICY"),
    "Reason": ("http_signatures", "Reason"),
    "VerificationPolicy": ("http_signatures", "VerificationPolicy"),
    "VerificationResult": ("http_signatures", "VerificationResult"),
    "check_signer_is_actor": ("http_signatures", "check_signer_is_actor"),
    "sign_request_rfc9421": ("http_signatures", "sign_request_rfc9421"),
    "verify_request": ("http_signatures", "verify_request"),
    "sign_get": ("cavage", "sign_get"),
    "sign_post": ("cavage", "sign_post"),
    "content_digest_header": ("digests", "content_digest_header"),
    "digest_header": ("digests", "digest_header"),
    "MessageCheck": ("message_signatures", "MessageCheck"),
    "ed25519_public_key_from_base64": ("message_signatures", "ed25519_public_key_from_base64"),
    "ed25519_public_key_to_base64": ("message_signatures", "ed25519_public_key_to_base64"),
    "sign_message_ed25519": ("message_signatures", "sign_message_ed25519"),
    "verify_message_ed25519": ("message_signatures", "verify_message_ed25519"),
    "verify_response_ed25519": ("message_signatures", "verify_response_ed25519"),
    "KeyLookup": ("keys", "KeyLookup"),
    "KeyLookupFailure": ("keys", "KeyLookupFailure"),
    "PublicKey": ("keys", "PublicKey"),
    "PublicKeyInfo": ("keys", "PublicKeyInfo"),
    "public_key_from_pem": ("keys", "public_key_from_pem"),
    "CachedKey": ("key_cache", "CachedKey"),
    "KeyCache": ("key_cache", "KeyCache"),
    "DEFAULT_USER_AGENT": ("remote_fetch", "DEFAULT_USER_AGENT"),
    "FetchedDocument": ("remote_fetch", "FetchedDocument"),
    "RemoteFetcher": ("remote_fetch", "RemoteFetcher"),
    "ConnectionFailed": ("errors", "ConnectionFailed"),
    "FetchError": ("errors", "FetchError"),
    "FetchTimeout": ("errors", "FetchTimeout"),
    "ForbiddenAddress": ("errors", "ForbiddenAddress"),
    "HTTPStatusError": ("errors", "HTTPStatusError"),
    "IdMismatch": ("errors", "IdMismatch"),
    "InvalidDocument": ("errors", "InvalidDocument"),
    "TooLarge": ("errors", "TooLarge"),
    "TooManyRedirects": ("errors", "TooManyRedirects"),
    "UnsupportedURL": ("errors", "UnsupportedURL"),
    "WrongContentType": ("errors", "WrongContentType"),
    "BadJSON": ("json_body", "BadJSON"),
    "parse_json": ("json_body", "parse_json"),
    "MAX_BODY": ("admission", "MAX_BODY"),
    "Admitted": ("admission", "Admitted"),
    "InboxResult": ("admission", "InboxResult"),
    "admit": ("admission", "admit"),
    "ActivityHandler": ("inbox", "ActivityHandler"),
    "Inbox": ("inbox", "Inbox"),
    "LocalActors": ("inbox", "LocalActors"),
    "SendActivity": ("inbox", "SendActivity"),
    "is_blocked": ("inbox", "is_blocked"),
    "LOOP_BUSY_TIMEOUT": ("state", "LOOP_BUSY_TIMEOUT"),
    "STATE_FILE": ("state", "STATE_FILE"),
    "ShimState": ("state", "ShimState"),
    "followers_document": ("followers_collection", "followers_collection"),
    "DATABASE_BUSY": ("storage_faults", "DATABASE_BUSY"),
    "StorageUnavailable": ("storage_faults", "StorageUnavailable"),
    "storage_fault": ("storage_faults", "storage_fault"),
    "DeliveryStore": ("delivery_store", "DeliveryStore"),
    "Database": ("storage", "Database"),
    "DeliveryQueue": ("storage", "DeliveryQueue"),
    "DeliveryStorage": ("storage", "DeliveryStorage"),
    "Follower": ("storage", "Follower"),
    "FollowerStore": ("storage", "FollowerStore"),
    "HostHealth": ("storage", "HostHealth"),
    "HostHealthStore": ("storage", "HostHealthStore"),
    "Job": ("storage", "Job"),
    "JobProblem": ("storage", "JobProblem"),
    "KeyStore": ("storage", "KeyStore"),
    "OutgoingActivity": ("storage", "OutgoingActivity"),
    "ProcessedActivities": ("storage", "ProcessedActivities"),
    "QueueCounts": ("storage", "QueueCounts"),
    "ShimStorage": ("storage", "ShimStorage"),
    "job_host": ("storage", "job_host"),
    "MemoryDatabase": ("memory_backend", "MemoryDatabase"),
    "MemoryDeliveryStore": ("memory_backend", "MemoryDeliveryStore"),
    "MemoryFollowers": ("memory_backend", "MemoryFollowers"),
    "MemoryKeyStore": ("memory_backend", "MemoryKeyStore"),
    "memory_storage": ("memory_backend", "memory_storage"),
    "SqliteKeyStore": ("sqlite_key_store", "SqliteKeyStore"),
    "PostgresDatabase": ("postgres_database", "PostgresDatabase"),
    "PostgresDeliveryStore": ("postgres_delivery", "PostgresDeliveryStore"),
    "PostgresFollowers": ("postgres_followers", "PostgresFollowers"),
    "PostgresKeyStore": ("postgres_followers", "PostgresKeyStore"),
    "SHIM_MIGRATIONS": ("postgres_backend", "SHIM_MIGRATIONS"),
    "postgres_storage": ("postgres_backend", "postgres_storage"),
    "run_migrations": ("postgres_database", "run_migrations"),
    "sqlite_storage": ("sqlite_backend", "sqlite_storage"),
    "DeliveryWorker": ("delivery_worker", "DeliveryWorker"),
    "WorkerStats": ("delivery_worker", "WorkerStats"),
    "MAX_RETRIES": ("retry_policy", "MAX_RETRIES"),
    "Outcome": ("retry_policy", "Outcome"),
    "classify": ("retry_policy", "classify"),
    "next_delay": ("retry_policy", "next_delay"),
    "retry_delay": ("retry_policy", "retry_delay"),
    "InboxClient": ("inbox_client", "InboxClient"),
    "PostResult": ("inbox_client", "PostResult"),
    "Reply": ("inbox_client", "Reply"),
    "activity_body": ("outgoing", "activity_body"),
    "post_signed": ("outgoing", "post_signed"),
    "run_event_loop": ("event_loop", "run"),
    "pid_alive": ("processes", "pid_alive"),
    "WebFingerAccount": ("webfinger_documents", "WebFingerAccount"),
    "WebFingerAnswer": ("webfinger_documents", "WebFingerAnswer"),
    "jrd": ("webfinger_documents", "jrd"),
    "webfinger": ("webfinger_documents", "webfinger"),
    "EXCEPTION_HANDLERS": ("asgi", "EXCEPTION_HANDLERS"),
    "json_error": ("asgi", "json_error"),
    "read_body": ("asgi", "read_body"),
    "target_uri": ("asgi", "target_uri"),
}

__all__ = [
    "ACTIVITYSTREAMS",
    "ACTIVITY_JSON",
    "ActivityHandler",
    "Admitted",
    "BadJSON",
    "CachedKey",
    "ConnectionFailed",
    "DATABASE_BUSY",
    "DEFAULT_POLICY",
    "DEFAULT_USER_AGENT",
    "Database",
    "DeliveryQueue",
    "DeliveryStorage",
    "DeliveryStore",
    "DeliveryWorker",
    "EXCEPTION_HANDLERS",
    "FetchError",
    "FetchTimeout",
    "FetchedDocument",
    "Follower",
    "FollowerStore",
    "ForbiddenAddress",
    "HTTPStatusError",
    "HostHealth",
    "HostHealthStore",
    "IdMismatch",
    "Inbox",
    "InboxClient",
    "InboxResult",
    "InvalidDocument",
    "JRD_JSON",
    "Job",
    "JobProblem",
    "KeyCache",
    "KeyLookup",
    "KeyLookupFailure",
    "KeyStore",
    "LD_JSON_PROFILE",
    "LOOP_BUSY_TIMEOUT",
    "LocalActors",
    "MAX_BODY",
    "MAX_RETRIES",
    "MAX_URL_LENGTH",
    "MemoryDatabase",
    "MemoryDeliveryStore",
    "MemoryFollowers",
    "MemoryKeyStore",
    "Outcome",
    "OutgoingActivity",
    "PUBLIC",
    "PostResult",
    "PostgresDatabase",
    "PostgresDeliveryStore",
    "PostgresFollowers",
    "PostgresKeyStore",
    "ProcessedActivities",
    "PublicKey",
    "PublicKeyInfo",
    "QueueCounts",
    "Reason",
    "RemoteFetcher",
    "Reply",
    "SECURITY",
    "SHIM_MIGRATIONS",
    "STATE_FILE",
    "SendActivity",
    "ShimState",
    "ShimStorage",
    "SqliteKeyStore",
    "StorageUnavailable",
    "TargetURI",
    "TooLarge",
    "TooManyRedirects",
    "UnsupportedURL",
    "VerificationPolicy",
    "VerificationResult",
    "WebFingerAccount",
    "WebFingerAnswer",
    "WorkerStats",
    "WrongContentType",
    "accept_follow",
    "activity",
    "activity_body",
    "admit",
    "announce",
    "authority_of",
    "check_signer_is_actor",
    "classify",
    "content_digest_header",
    "create",
    "delete",
    "digest_header",
    "follow",
    "followers_document",
    "headers_from_pairs",
    "host_of",
    "id_of",
    "is_blocked",
    "is_web_url",
    "job_host",
    "jrd",
    "json_error",
    "lowercase_headers",
    "memory_storage",
    "next_delay",
    "now_timestamp",
    "parse_json",
    "parse_web_url",
    "pid_alive",
    "post_signed",
    "postgres_storage",
    "public_key_from_pem",
    "read_body",
    "reject_follow",
    "retry_delay",
    "run_event_loop",
    "run_migrations",
    "server_of",
    "sign_get",
    "sign_post",
    "sign_request_rfc9421",
    "sqlite_storage",
    "storage_fault",
    "target_uri",
    "timestamp",
    "tombstone",
    "undo",
    "update",
    "verify_request",
    "web_url_problem",
    "webfinger",
    "MessageCheck",
    "ed25519_public_key_from_base64",
    "ed25519_public_key_to_base64",
    "sign_message_ed25519",
    "verify_message_ed25519",
    "verify_response_ed25519",
]


def __getattr__(name: str) -> Any:
    """A public name, loaded from its module on first use (PEP 562)."""
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
