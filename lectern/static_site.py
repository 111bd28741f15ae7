"""Serve a built site the way the bucket and CDN will: right Content-Type and Cache-Control, index.html, 404.html.

Only `lectern serve` mounts this (one origin for the static output and the shim, as the CDN routes in production);
the shim alone, in front of a CDN, does not serve files.
"""

from __future__ import annotations

import os
from typing import Any

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from lectern.content_types import cache_control, content_type


class StaticSite(StaticFiles):
    """Starlette's StaticFiles (safe path handling, ranges, ETags) with Lectern's content types and cache policy."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        relative = os.path.relpath(full_path, str(self.directory)).replace(os.sep, "/")
        response.headers["content-type"] = content_type(relative)
        response.headers["cache-control"] = cache_control(relative)
        if relative.startswith(("ap/", ".well-known/", "nodeinfo/")):
            response.headers["access-control-allow-origin"] = "*"
        return response

    def lookup_path(self, path: str) -> tuple[str, Any]:
        # StaticFiles already refuses paths that escape the directory; hidden files and folders (an editor's or a
        # file manager's leftovers) are not published, but for .well-known. Starlette gives the root as ".".
        first = path.split("/", 1)[0]
        if first.startswith(".") and first not in (".", ".well-known"):
            return "", None
        return super().lookup_path(path)
