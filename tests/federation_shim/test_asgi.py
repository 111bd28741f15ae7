"""The last line of defence (federation_shim/asgi.py): an unexpected error is a JSON 500 that says nothing
about the server, and Starlette's own refusals are JSON too. A real app under uvicorn on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lectern.federation_shim.asgi import EXCEPTION_HANDLERS
from tests.fuzz_server import FuzzServer


async def broken(request: Request) -> Response:
    raise RuntimeError("SECRET at /srv/lectern/instance/shim.sqlite3")


@pytest.fixture(scope="module")
def server() -> Iterator[FuzzServer]:
    app = Starlette(routes=[Route("/broken", broken, methods=["GET"])], exception_handlers=EXCEPTION_HANDLERS)

    def nothing(app: Any) -> None:
        pass

    with FuzzServer(app, nothing) as running:
        yield running


def test_an_unexpected_error_is_a_json_500_without_its_text(server: FuzzServer) -> None:
    status, headers, raw = server.request("GET", "/broken")
    assert status == 500 and headers["content-type"] == "application/json"
    assert json.loads(raw) == {
        "status": "error",
        "reason": "internal_error",
        "detail": "the server could not answer this request; the error was logged",
    }
    assert b"SECRET" not in raw and b"Traceback" not in raw and b"sqlite3" not in raw


@pytest.mark.parametrize(
    ("method", "path", "status", "reason"),
    [("GET", "/nowhere", 404, "not_found"), ("POST", "/broken", 405, "method_not_allowed")],
)
def test_starlettes_refusals_are_json(server: FuzzServer, method: str, path: str, status: int, reason: str) -> None:
    got, headers, raw = server.request(method, path, b"" if method == "POST" else None)
    assert (got, json.loads(raw)["reason"]) == (status, reason)
    assert headers["content-type"] == "application/json"
