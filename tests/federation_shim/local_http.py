"""Real HTTP servers on 127.0.0.1 for tests, started inside the test's own event loop.

Async tests are plain functions calling ``asyncio.run(...)`` (no pytest-asyncio), so a server is
an async context manager yielding its base URL::

    async def scenario() -> None:
        async with serve({"/actor": handler}) as base_url:
            ...
    asyncio.run(scenario())

The ``local_server`` fixture hands out :func:`serve`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LocalServer = Callable[[Mapping[str, Handler]], AbstractAsyncContextManager[str]]


@asynccontextmanager
async def serve(routes: Mapping[str, Handler]) -> AsyncIterator[str]:
    """Serve GET ``routes`` ({path: handler}) on a free port; yields ``http://127.0.0.1:<port>``."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
