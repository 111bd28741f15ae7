"""The index believes a Fediverse server's answers to its data_sharing calls only when the server signed them
(FASP v0.1 `general/v0.1/protocol_basics.md`: "Responses to API requests MUST be signed"; Mastodon checks a provider's
answers the same way in `Fasp::Request#validate!`): the subscription and backfill ids of an unsigned or forged answer
are not kept. Driven directly against our server side on loopback (`fasp_client`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lectern.discovery_index.fasp_servers import FaspServer, FaspServers
from lectern.discovery_index.fasp_subscribing import ask_for_content
from lectern.federation_shim import InboxClient, ed25519_public_key_to_base64
from tests.discovery_index.fasp_client import FASP_ID, FediverseServerSide


@pytest.fixture
def side() -> Iterator[FediverseServerSide]:
    server = FediverseServerSide()
    yield server
    server.stop()


def registered(servers: FaspServers, side: FediverseServerSide) -> FaspServer:
    """The state a completed registration leaves on both sides."""
    made = servers.create(side.fasp_base)
    servers.complete(made.server_id, ed25519_public_key_to_base64(side.key.public_key()), FASP_ID, "")
    side.registrations.append({"serverId": made.server_id, "publicKey": made.public_key_base64})
    server = servers.get(made.server_id)
    assert server is not None
    return server


def ask(servers: FaspServers, server: FaspServer) -> list[int]:
    async def run() -> list[int]:
        client = InboxClient(allow_private_addresses=True)
        try:
            return await ask_for_content(client, servers, server)
        finally:
            await client.close()

    return asyncio.run(run())


@pytest.mark.parametrize(
    ("answer_key", "kept"),
    [("server's", 2), ("none", 0), ("stranger's", 0)],
    ids=["signed", "unsigned", "forged"],
)
def test_only_signed_answers_are_believed(
    tmp_path: Path, side: FediverseServerSide, answer_key: str, kept: int
) -> None:
    servers = FaspServers(tmp_path / "fasp.sqlite3")
    server = registered(servers, side)
    side.answer_key = {"server's": side.key, "none": None, "stranger's": Ed25519PrivateKey.generate()}[answer_key]

    assert ask(servers, server) == [201, 201, 201, 201]
    assert all(check.ok for _, _, check in side.requests)  # the index signed each call
    assert len(servers.requests(server.server_id, "subscription")) == kept
    assert len(servers.requests(server.server_id, "backfill")) == kept
    servers.close()


def test_an_answer_that_never_comes_is_reported_not_raised(tmp_path: Path, side: FediverseServerSide) -> None:
    servers = FaspServers(tmp_path / "fasp.sqlite3")
    server = registered(servers, side)
    side.stop()
    assert ask(servers, server) == [0, 0, 0, 0]
    assert servers.requests(server.server_id, "subscription") == []
    servers.close()
