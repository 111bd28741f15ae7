"""The toolkit's one Starlette module (optional: install Starlette to use it): reading an inbox POST and answering
errors as JSON.

:func:`read_body` reads at most :data:`MAX_BODY` bytes; :func:`target_uri` rebuilds the URI a sender signed from the
app's public address and the raw path received (a CDN or proxy may pass on another Host).

The last line of defence: any error a handler did not turn into an answer becomes a JSON answer, never a page.

Expected failures are values mapped to statuses where they happen (``admission.InboxResult``); what reaches these
handlers is either Starlette's own refusal (``HTTPException``: an unknown path, a wrong method) or a bug. A bug is
answered ``500 {"status": "error", "reason": "internal_error"}`` without the exception's text, so nothing about the
server (paths, SQL, stack) leaks to whoever sent the request; the traceback goes to the log. A busy database or a
full disk (``storage_faults``) is no bug: it is answered 503 with a ``Retry-After``. Pass :data:`EXCEPTION_HANDLERS`
as ``Starlette(exception_handlers=...)``.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Awaitable, Callable, Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lectern.federation_shim.admission import MAX_BODY
from lectern.federation_shim.request_view import TargetURI
from lectern.federation_shim.storage_faults import StorageUnavailable, storage_fault

__all__ = ["EXCEPTION_HANDLERS", "json_error", "read_body", "target_uri"]

logger = logging.getLogger(__name__)


def json_error(status: int, reason: str, detail: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": "error", "reason": reason, "detail": detail}, status_code=status, headers=headers)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    reason = re.sub(r"[^a-z0-9]+", "_", exc.detail.lower()).strip("_") if isinstance(exc.detail, str) else ""
    return json_error(exc.status_code, reason or "http_error", str(exc.detail), exc.headers)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    logger.error("unexpected %s answering %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    return json_error(500, "internal_error", "the server could not answer this request; the error was logged")


async def storage_unavailable(request: Request, exc: Exception) -> Response:
    """Every request that met a busy database or a full disk, wherever: 503 with Retry-After and the reason. What
    was stored before is untouched and the refused write left nothing, so the sender's retry is safe."""
    fault = storage_fault(exc, "the database")
    if fault is None:
        return await unexpected_error(request, exc)
    logger.warning("answered %s %s with 503: %s", request.method, request.url.path, fault)
    return json_error(503, fault.reason, str(fault), {"Retry-After": str(fault.retry_after)})


EXCEPTION_HANDLERS: dict[int | type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
    HTTPException: http_exception,
    StorageUnavailable: storage_unavailable,
    sqlite3.Error: storage_unavailable,
    Exception: unexpected_error,
}


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes | None:
    """The body, or None when it is larger than `limit` (checked on Content-Length first, then while reading)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit():  # not "²": isdigit() alone accepts it
        if len(declared) > 9 or int(declared) > limit:
            return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def target_uri(request: Request, site: TargetURI) -> TargetURI:
    """The URI the sender addressed: the site's public URL (`site`, parsed once) with the raw path and query received.
    An app serves one site, so a request meant for it was addressed to the site's own host, whatever Host a CDN or
    proxy passed on."""
    raw_path = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1") or None
    path = site.raw_path.rstrip("/") + raw_path  # a site URL with a path (https://school.example/oer) keeps it
    uri = f"{site.scheme}://{site.authority}{path}" + (f"?{query}" if query else "")
    return TargetURI(uri, site.scheme, site.host, site.port, path, query)
