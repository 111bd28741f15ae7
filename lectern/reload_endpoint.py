"""Live reload for a site being edited: an endpoint that waits for the next build, and a script in every page.

`add_live_reload(app, state)` adds, to an app that serves a site:

- `GET /_lectern/reload?since=N`: a long poll. It answers at once when the state's `version` is not N (or N is
  absent), otherwise as soon as it changes or after `WAIT_SECONDS`, with `{"version", "build", "problem"}`;
- a middleware that puts `RELOAD_SCRIPT` before `</body>` of every HTML page it serves. The script polls the
  endpoint; when `build` moves on it reloads the page, and while `problem` is set it shows it at the top of the page
  (and in the console), over the last good build.

Only a development server adds these (`lectern serve --reload`); the published site never carries the script.
`state` is any callable returning an object with `version`, `build` and `problem` (`lectern.live_reload`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RELOAD_PATH", "RELOAD_SCRIPT", "ReloadScript", "add_live_reload"]

RELOAD_PATH = "/_lectern/reload"
WAIT_SECONDS = 25.0
TICK_SECONDS = 0.05

RELOAD_SCRIPT = (
    "<script>(function(){"
    "var build=null,version=-1;"
    "function show(problem){"
    "var box=document.getElementById('lectern-reload-problem');"
    "if(!problem){if(box)box.remove();return;}"
    "if(!box){box=document.createElement('pre');box.id='lectern-reload-problem';"
    "box.setAttribute('role','alert');"
    "box.style.cssText='position:fixed;top:0;left:0;right:0;z-index:99999;margin:0;padding:1em;white-space:pre-wrap;"
    "background:#7a1010;color:#fff;font:14px/1.4 monospace;max-height:50vh;overflow:auto';"
    "document.body.prepend(box);}"
    "box.textContent='The last change was not built; this is the last good build.\\n\\n'+problem;"
    "console.error('lectern: '+problem);}"
    "function poll(){"
    f"fetch('{RELOAD_PATH}?since='+version,{{cache:'no-store'}})"
    ".then(function(r){return r.json();})"
    ".then(function(s){"
    "if(build!==null&&s.build!==build){location.reload();return;}"
    "build=s.build;version=s.version;show(s.problem);poll();})"
    ".catch(function(){setTimeout(poll,1000);});}"
    "poll();})();</script>"
)


class BuildState(Protocol):
    @property
    def version(self) -> int: ...

    @property
    def build(self) -> int: ...

    @property
    def problem(self) -> str | None: ...


def reload_endpoint(state: Callable[[], BuildState]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            since = int(request.query_params.get("since", "-1"))
        except ValueError:
            since = -1
        deadline = time.monotonic() + WAIT_SECONDS
        current = state()
        while current.version == since and time.monotonic() < deadline:
            await asyncio.sleep(TICK_SECONDS)
            current = state()
        answer = {"version": current.version, "build": current.build, "problem": current.problem}
        return JSONResponse(answer, headers={"cache-control": "no-store"})

    return endpoint


class ReloadScript:
    """ASGI middleware: `RELOAD_SCRIPT` before `</body>` of each HTML response (other responses pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                if not kind.startswith(b"text/html"):
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(body)
            marker = page.rfind(b"</body>")
            script = RELOAD_SCRIPT.encode("utf-8")
            page = page[:marker] + script + page[marker:] if marker >= 0 else page + script
            kept = [(k, v) for k, v in start.get("headers", []) if k not in (b"content-length", b"etag")]
            kept.append((b"content-length", str(len(page)).encode("ascii")))
            await send({**start, "headers": kept})
            await send({"type": "http.response.body", "body": page, "more_body": False})

        await self.app(scope, receive, capture)


def add_live_reload(app: Starlette, state: Callable[[], BuildState]) -> None:
    """Add the reload endpoint and the page script to `app` (before it starts)."""
    app.router.routes.insert(0, Route(RELOAD_PATH, reload_endpoint(state), methods=["GET"]))
    app.add_middleware(ReloadScript)
