"""A server's NodeInfo names reach the index's JSON API (/api/instances), so they are kept as plain text (issue 12)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from lectern.discovery_index.discovery import Discoverer
from lectern.federation_shim import RemoteFetcher
from tests.federation_shim.local_http import serve


def test_nodeinfo_names_are_stored_as_plain_text() -> None:
    async def well_known(request: web.Request) -> web.Response:
        href = f"http://{request.host}/nodeinfo/2.1"
        return web.json_response({"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": href}]})

    async def nodeinfo(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "software": {"name": "<script>alert(1)</script>mastodon"},
                "metadata": {"nodeName": "<img src=x onerror=alert(1)>Maths &lt;b&gt;club&lt;/b&gt;"},
            }
        )

    async def scenario() -> tuple[str, str]:
        async with serve({"/.well-known/nodeinfo": well_known, "/nodeinfo/2.1": nodeinfo}) as base:
            async with RemoteFetcher(allow_private_addresses=True) as fetcher:
                instance = await Discoverer(fetcher, True)._instance(base)
        return instance.software, instance.name

    software, name = asyncio.run(scenario())
    assert (software, name) == ("mastodon", "Maths club")
