"""Fixtures for the federation shim tests: signing keys and real HTTP servers on 127.0.0.1.

Async tests are plain functions that call ``asyncio.run(...)`` (no pytest-asyncio), so servers
are started inside the test's own event loop with the ``local_server`` factory::

    async def scenario() -> None:
        async with local_server({"/actor": handler}) as base_url:
            ...
    asyncio.run(scenario())
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LocalServer = Callable[[Mapping[str, Handler]], AbstractAsyncContextManager[str]]


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def second_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@asynccontextmanager
async def _serve(routes: Mapping[str, Handler]) -> AsyncIterator[str]:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
def local_server() -> LocalServer:
    """``async with local_server({path: handler}) as base_url`` runs a real aiohttp server."""
    return _serve
