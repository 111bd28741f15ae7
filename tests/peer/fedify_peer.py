"""Python side of the Fedify test peer (``tests/peer/peer.mjs``).

The peer is an independent ActivityPub server built on Fedify (npm package
``@fedify/fedify``, pinned in ``tests/peer/package.json``).  It runs one actor,
``alice`` (a ``Person``), on a loopback port and exposes a JSON control API
under ``/_control/``.  This module starts it as a subprocess and wraps the
control API using only the standard library, so that integration tests can
have a real, independent implementation follow Lectern's actors and inspect
what Lectern delivers.

Typical use in a test::

    from tests.peer.fedify_peer import start_peer

    with start_peer() as peer:
        follow = peer.follow("@python-basics@127.0.0.1:8000")
        accept = peer.wait_for_activity("Accept", actor=follow["actor"])
        assert accept["http_signature"]["verified"]

The Node dependencies must be installed first (``npm ci --prefix tests/peer``);
:func:`peer_unavailable_reason` says what is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

__all__ = [
    "AUTO_ACCEPT_VALUES",
    "DRAFT_CAVAGE",
    "FEDIFY_VERSION",
    "FIRST_KNOCK_VALUES",
    "INSTALL_COMMAND",
    "RFC9421",
    "FedifyPeer",
    "PeerControlError",
    "PeerError",
    "PeerStartError",
    "PeerTimeoutError",
    "peer_available",
    "peer_unavailable_reason",
    "start_peer",
]

T = TypeVar("T")

PEER_DIR = Path(__file__).resolve().parent
PEER_SCRIPT = PEER_DIR / "peer.mjs"
NODE_MODULES = PEER_DIR / "node_modules"
FEDIFY_VERSION = "2.3.6"
INSTALL_COMMAND = "npm ci --prefix tests/peer"

DRAFT_CAVAGE = "draft-cavage-http-signatures-12"
RFC9421 = "rfc9421"
FIRST_KNOCK_VALUES: tuple[str, ...] = (DRAFT_CAVAGE, RFC9421)
AUTO_ACCEPT_VALUES: tuple[str, ...] = ("accept", "reject", "ignore")

LOOPBACK = "127.0.0.1"
DEFAULT_STARTUP_TIMEOUT = 20.0
DEFAULT_CONTROL_TIMEOUT = 30.0
LOG_TAIL_CHARS = 6000

# Control calls go to loopback only: never through an HTTP(S)_PROXY.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class PeerError(RuntimeError):
    """Base class for errors raised by this module."""


class PeerStartError(PeerError):
    """The peer process could not be started or did not become ready."""


class PeerControlError(PeerError):
    """A control API call returned an error status.

    Attributes:
        status: HTTP status of the control response.
        payload: The decoded JSON error body (``{"error": ...}`` and extras).
    """

    def __init__(self, message: str, status: int, payload: dict[str, Any]) -> None:
        super().__init__(message)
        self.status = status
        self.payload = payload


class PeerTimeoutError(PeerError, TimeoutError):
    """:meth:`FedifyPeer.wait_for` ran out of time."""


def _node_binary() -> str | None:
    """Return the Node.js executable to use (``$LECTERN_NODE`` or ``node``)."""
    configured = os.environ.get("LECTERN_NODE")
    if configured:
        return configured if Path(configured).exists() else shutil.which(configured)
    return shutil.which("node")


def peer_unavailable_reason() -> str | None:
    """Explain why the peer cannot run here, or return ``None`` if it can.

    Checks that Node.js is on ``PATH`` and that ``tests/peer/node_modules``
    holds ``@fedify/fedify`` at the pinned version.
    """
    if _node_binary() is None:
        return "Node.js (node) is not on PATH; the Fedify test peer needs Node >= 20."
    manifest = NODE_MODULES / "@fedify" / "fedify" / "package.json"
    if not manifest.is_file():
        return f"{NODE_MODULES} does not contain @fedify/fedify; install the Fedify test peer with `{INSTALL_COMMAND}`."
    try:
        installed = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError) as error:
        return f"cannot read {manifest}: {error}; reinstall with `{INSTALL_COMMAND}`."
    if installed != FEDIFY_VERSION:
        return (
            f"@fedify/fedify {installed} is installed in {NODE_MODULES}, "
            f"but {FEDIFY_VERSION} is required; run `{INSTALL_COMMAND}`."
        )
    return None


def peer_available() -> bool:
    """Return whether :func:`start_peer` can run (see :func:`peer_unavailable_reason`)."""
    return peer_unavailable_reason() is None


def _tail(text: str, limit: int = LOG_TAIL_CHARS) -> str:
    return text if len(text) <= limit else "...\n" + text[-limit:]


def _terminate(process: subprocess.Popen[str]) -> None:
    """Stop the peer process: SIGTERM, then SIGKILL after 5 seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class FedifyPeer:
    """A running Fedify peer process and a client for its control API.

    Use :func:`start_peer` to create one.  The object is a context manager;
    leaving the ``with`` block (or calling :meth:`stop`) ends the process.

    Attributes:
        port: The loopback TCP port the peer listens on.
        first_knock: The HTTP signature spec the peer tries first.
        auto_accept: What the peer does with incoming Follow activities.
        log_path: File receiving the peer's stderr (Fedify's logs).
    """

    def __init__(
        self,
        process: subprocess.Popen[str],
        port: int,
        log_path: Path,
        first_knock: str,
        auto_accept: str,
        keep_log: bool = False,
    ) -> None:
        self.process = process
        self.port = port
        self.log_path = log_path
        self.first_knock = first_knock
        self.auto_accept = auto_accept
        self._keep_log = keep_log
        self._finalizer = weakref.finalize(self, _terminate, process)

    # -- identity -----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Origin of the peer, e.g. ``http://127.0.0.1:41234``."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def actor_id(self) -> str:
        """ActivityPub id of the peer's actor ``alice``."""
        return f"{self.base_url}/users/alice"

    @property
    def handle(self) -> str:
        """Fediverse handle of the peer's actor, e.g. ``@alice@127.0.0.1:41234``."""
        return f"@alice@{LOOPBACK}:{self.port}"

    @property
    def inbox_url(self) -> str:
        """Personal inbox of ``alice``."""
        return f"{self.actor_id}/inbox"

    @property
    def shared_inbox_url(self) -> str:
        """Shared inbox of the peer."""
        return f"{self.base_url}/inbox"

    # -- lifecycle ----------------------------------------------------------

    def is_running(self) -> bool:
        """Return whether the peer process is still alive."""
        return self.process.poll() is None

    def stop(self) -> None:
        """Terminate the peer process (idempotent) and remove its log file."""
        self._finalizer()
        if not self._keep_log:
            try:
                self.log_path.unlink()
            except FileNotFoundError:
                pass

    def __enter__(self) -> FedifyPeer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def log_text(self) -> str:
        """Return everything the peer wrote to stderr so far (Fedify's logs)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    # -- control API --------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_CONTROL_TIMEOUT,
    ) -> Any:
        url = f"{self.base_url}/_control/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            body = error.read().decode("utf-8", errors="replace")
            try:
                decoded = json.loads(body)
                details: dict[str, Any] = decoded if isinstance(decoded, dict) else {"error": decoded}
            except ValueError:
                details = {"error": body}
            raise PeerControlError(
                f"peer {method} /_control/{path} -> {error.code}: {details.get('error')}\n"
                f"--- peer log (tail) ---\n{_tail(self.log_text())}",
                error.code,
                details,
            ) from None
        except (urllib.error.URLError, OSError) as error:
            state = "running" if self.is_running() else f"exited ({self.process.returncode})"
            raise PeerError(
                f"peer {method} /_control/{path} failed: {error} (peer {state})\n"
                f"--- peer log (tail) ---\n{_tail(self.log_text())}"
            ) from error

    def health(self) -> dict[str, Any]:
        """Return the peer's status: port, actor id, handle, inboxes, options."""
        result: dict[str, Any] = self._call("GET", "health")
        return result

    def follow(self, handle: str) -> dict[str, Any]:
        """Have ``alice`` follow *handle* (``@user@host:port`` or an actor URL).

        The peer resolves the handle with Fedify's ``lookupObject`` (WebFinger,
        then the actor document) and delivers a signed ``Follow`` to the
        actor's inbox.  Returns ``{"follow_id", "actor", "inbox"}``; raises
        :class:`PeerControlError` if the lookup or the delivery fails (the
        error payload then carries ``status`` and ``response_body`` of the
        remote inbox, when there was one).
        """
        result: dict[str, Any] = self._call("POST", "follow", {"handle": handle})
        return result

    def undo(self, follow_id: str) -> dict[str, Any]:
        """Send ``Undo(Follow)`` for a follow made with :meth:`follow`."""
        result: dict[str, Any] = self._call("POST", "undo", {"follow_id": follow_id})
        return result

    def reply(
        self, to: str, content: str, *, in_reply_to: str | None = None, mention: str | None = None
    ) -> dict[str, Any]:
        """Have ``alice`` post a public Note (HTML ``content``), replying to ``in_reply_to`` and/or with a Mention
        tag of ``mention``, and send its ``Create`` to the actor ``to``. Returns ``{"note_id", "create_id"}``."""
        payload: dict[str, Any] = {"to": to, "content": content}
        if in_reply_to:
            payload["in_reply_to"] = in_reply_to
        if mention:
            payload["mention"] = mention
        result: dict[str, Any] = self._call("POST", "reply", payload)
        return result

    def quote(self, to: str, object_id: str) -> dict[str, Any]:
        """Have ``alice`` ask the actor ``to`` to quote ``object_id`` (FEP-044f ``QuoteRequest``, her quoting Note
        as its instrument). Returns ``{"request_id", "note_id"}``."""
        result: dict[str, Any] = self._call("POST", "quote", {"to": to, "object": object_id})
        return result

    def like(self, to: str, object_id: str) -> str:
        """Send ``alice``'s ``Like`` of ``object_id`` to the actor ``to``; returns the Like's id."""
        return str(self._call("POST", "like", {"to": to, "object": object_id})["activity_id"])

    def announce(self, to: str, object_id: str) -> str:
        """Send ``alice``'s ``Announce`` (boost) of ``object_id`` to the actor ``to``; returns its id."""
        return str(self._call("POST", "announce", {"to": to, "object": object_id})["activity_id"])

    def delete_note(self, to: str, note_id: str) -> str:
        """Delete one of ``alice``'s notes (a ``Delete`` of its ``Tombstone``), sent to the actor ``to``."""
        return str(self._call("POST", "delete", {"to": to, "note_id": note_id})["delete_id"])

    def undo_activity(self, to: str, activity_id: str) -> str:
        """Undo a like or boost sent with :meth:`like` or :meth:`announce`."""
        return str(self._call("POST", "undo-activity", {"to": to, "activity_id": activity_id})["undo_id"])

    def inbox(self) -> list[dict[str, Any]]:
        """Return every activity the peer accepted, oldest first.

        Each entry has ``type`` (e.g. ``"Accept"``), ``id``, ``actor``,
        ``object_id``, ``recipient`` (``"alice"``, or ``None`` for the shared
        inbox), ``verified`` (always true: Fedify only dispatches
        authenticated activities), ``http_signature`` (``scheme``, ``key_id``,
        ``verified``, ``reason``: an independent check of the HTTP signature
        alone), ``has_ld_signature``, ``has_proof``, ``headers``,
        ``activity`` (the JSON as POSTed) and ``parsed`` (Fedify's view).
        """
        result: list[dict[str, Any]] = self._call("GET", "inbox")
        return result

    def rejected(self) -> list[dict[str, Any]]:
        """Return activities refused because no signature could be verified."""
        result: list[dict[str, Any]] = self._call("GET", "rejected")
        return result

    def requests(self) -> list[dict[str, Any]]:
        """Return the log of ActivityPub/WebFinger HTTP requests the peer served."""
        result: list[dict[str, Any]] = self._call("GET", "requests")
        return result

    def follows(self) -> list[dict[str, Any]]:
        """Return follows sent by ``alice`` with their state.

        ``state`` is ``pending``, ``accepted``, ``rejected``, ``undone`` or
        ``failed``.
        """
        result: list[dict[str, Any]] = self._call("GET", "follows")
        return result

    def followers(self) -> list[str]:
        """Return the actor ids currently following ``alice``."""
        result: list[str] = self._call("GET", "followers")
        return result

    def lookup(self, handle: str, *, fresh: bool = True, signed: bool = False) -> dict[str, Any]:
        """Look up *handle* with Fedify and return the actor as Fedify parsed it.

        The result is Fedify's re-serialisation of the actor (compact JSON-LD),
        so properties Fedify did not understand are absent.  *fresh* bypasses
        Fedify's 5-minute document cache; *signed* fetches with an
        HTTP-signed GET as ``alice`` (like servers with authorized fetch).
        Raises :class:`PeerControlError` (status 404) if Fedify cannot resolve
        it, 422 if it is not an actor.
        """
        query = {"handle": handle}
        if fresh:
            query["fresh"] = "1"
        if signed:
            query["signed"] = "1"
        result: dict[str, Any] = self._call("GET", "lookup", query=query)
        return result

    def reset(self) -> None:
        """Forget recorded inbox entries, rejected activities and requests."""
        self._call("POST", "reset", {})

    # -- waiting ------------------------------------------------------------

    def wait_for(
        self,
        predicate: Callable[[list[dict[str, Any]]], T | None],
        timeout: float = 10.0,
        interval: float = 0.05,
        description: str | None = None,
    ) -> T:
        """Poll :meth:`inbox` until *predicate* returns a truthy value.

        *predicate* gets the full inbox list each time.  Returns the truthy
        value; raises :class:`PeerTimeoutError` (with the inbox, refused
        activities and the peer log) after *timeout* seconds.
        """
        deadline = time.monotonic() + timeout
        entries: list[dict[str, Any]] = []
        while True:
            entries = self.inbox()
            result = predicate(entries)
            if result:
                return result
            if time.monotonic() >= deadline:
                break
            if not self.is_running():
                raise PeerError(
                    f"peer exited ({self.process.returncode}) while waiting\n"
                    f"--- peer log (tail) ---\n{_tail(self.log_text())}"
                )
            time.sleep(interval)
        summary = [{key: entry.get(key) for key in ("type", "id", "actor", "object_id")} for entry in entries]
        refused = [
            {key: entry.get(key) for key in ("type", "id", "actor", "reason", "key_id")} for entry in self.rejected()
        ]
        raise PeerTimeoutError(
            f"timed out after {timeout}s waiting for {description or 'predicate'}\n"
            f"inbox: {json.dumps(summary, indent=1)}\n"
            f"refused (unverified): {json.dumps(refused, indent=1)}\n"
            f"--- peer log (tail) ---\n{_tail(self.log_text())}"
        )

    def wait_for_activity(
        self,
        activity_type: str,
        *,
        actor: str | None = None,
        object_id: str | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """Wait for the first inbox entry of *activity_type* (e.g. ``"Accept"``).

        Optionally also match the sending *actor* id and the activity's
        *object_id* (the id of its object, embedded or referenced).
        """

        def matches(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
            for entry in entries:
                if entry.get("type") != activity_type:
                    continue
                if actor is not None and entry.get("actor") != actor:
                    continue
                if object_id is not None and entry.get("object_id") != object_id:
                    continue
                return entry
            return None

        wanted = activity_type
        if actor is not None:
            wanted += f" from {actor}"
        if object_id is not None:
            wanted += f" about {object_id}"
        return self.wait_for(matches, timeout=timeout, description=wanted)


def start_peer(
    port: int | None = None,
    first_knock: str = DRAFT_CAVAGE,
    *,
    auto_accept: str = "accept",
    log_level: str = "debug",
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
    extra_env: Mapping[str, str] | None = None,
    keep_log: bool = False,
) -> FedifyPeer:
    """Start ``node tests/peer/peer.mjs`` and wait until it is listening.

    Args:
        port: Loopback port to listen on; ``None`` lets the OS pick a free one.
        first_knock: HTTP signature spec Fedify tries first with a server it
            has not talked to yet (``"draft-cavage-http-signatures-12"`` or
            ``"rfc9421"``); on a 4xx/5xx it retries with the other one.
        auto_accept: Answer to incoming Follow: ``"accept"``, ``"reject"`` or
            ``"ignore"``.
        log_level: Level of Fedify's logs in :meth:`FedifyPeer.log_text`.
        startup_timeout: Seconds to wait for the ``READY <port>`` line.
        extra_env: Additional environment variables for the process.
        keep_log: Keep the stderr log file after :meth:`FedifyPeer.stop`.

    Raises:
        PeerStartError: Node or the npm dependencies are missing, or the
            process exited or stayed silent (the message includes its stderr).
        ValueError: An option has an unsupported value.
    """
    if first_knock not in FIRST_KNOCK_VALUES:
        raise ValueError(f"first_knock must be one of {FIRST_KNOCK_VALUES}, not {first_knock!r}")
    if auto_accept not in AUTO_ACCEPT_VALUES:
        raise ValueError(f"auto_accept must be one of {AUTO_ACCEPT_VALUES}, not {auto_accept!r}")
    reason = peer_unavailable_reason()
    if reason is not None:
        raise PeerStartError(reason)
    node = _node_binary()
    assert node is not None  # checked by peer_unavailable_reason()

    env = dict(os.environ)
    env.update(
        {
            "PEER_FIRST_KNOCK": first_knock,
            "PEER_AUTO_ACCEPT": auto_accept,
            "PEER_LOG_LEVEL": log_level,
            "PEER_HOST": LOOPBACK,
        }
    )
    if extra_env:
        env.update(extra_env)

    fd, log_name = tempfile.mkstemp(prefix="fedify-peer-", suffix=".log")
    log_path = Path(log_name)
    with os.fdopen(fd, "w", encoding="utf-8") as log_file:
        process = subprocess.Popen(
            [node, str(PEER_SCRIPT), str(port or 0)],
            cwd=PEER_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            bufsize=1,
        )

    ready = threading.Event()
    reported: list[int] = []

    def read_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # keeps draining after READY
            if not ready.is_set() and line.startswith("READY "):
                try:
                    reported.append(int(line.split()[1]))
                finally:
                    ready.set()
        ready.set()  # EOF: the process ended

    threading.Thread(target=read_stdout, name="fedify-peer-stdout", daemon=True).start()

    def startup_failure(what: str) -> PeerStartError:
        _terminate(process)
        log = log_path.read_text(encoding="utf-8", errors="replace")
        if not keep_log:
            log_path.unlink(missing_ok=True)
        return PeerStartError(
            f"Fedify peer {what} (command: {node} {PEER_SCRIPT} {port or 0}, "
            f"exit code {process.returncode})\n--- peer stderr ---\n{_tail(log)}"
        )

    if not ready.wait(startup_timeout):
        raise startup_failure(f"did not print READY within {startup_timeout}s")
    if not reported:
        raise startup_failure("exited before it was ready")
    return FedifyPeer(process, reported[0], log_path, first_knock, auto_accept, keep_log)
