"""What `lectern index add/remove/list` use: the running service's admin endpoints, with its bearer token.

Why through the service and not straight into its SQLite file: adding a source sends a Follow signed with the
index's key and the Accept comes back to the service's inbox, so the service must run anyway; one process then owns
the state (its in-memory facet index and caches stay right) and the storage behind `IndexStore` can move to
PostgreSQL without giving every CLI user database credentials. The token is LECTERN_INDEX_TOKEN, or the file the
service wrote in its instance folder, readable only by its owner.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from lectern.discovery_index.errors import AdminError

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the admin API is local: no proxy


def call(base_url: str, token: str, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
    """The JSON answer of the admin endpoint, or AdminError with the service's reason."""
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(f"{base_url}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(request, timeout=900) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as failure:
        try:
            detail = json.loads(failure.read()).get("detail", "")
        except (ValueError, AttributeError):
            detail = ""
        raise AdminError(f"the index at {base_url} answered HTTP {failure.code}: {detail or failure.reason}") from None
    except (urllib.error.URLError, OSError) as failure:
        raise AdminError(
            f"no index service answers at {base_url} ({getattr(failure, 'reason', failure)}); start it with "
            "'lectern index serve', or say where it runs with --index-url"
        ) from None
