"""`lectern index serve` as a real server for tests: a subprocess under uvicorn on a free loopback port, with private
addresses allowed explicitly (`--allow-private-addresses`), and `lectern index add/remove/list` run against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tests.conftest import PROJECT
from tests.lectern_server import free_port
from tests.server_process import NO_PROXY, ServerProcess


class IndexServer:
    """The discovery index on 127.0.0.1, its state in `folder` (a fresh key pair and SQLite database)."""

    def __init__(self, folder: Path, extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> None:
        """`env`: LECTERN_ variables for the service (LECTERN_INDEX_DATABASE_URL: the index in PostgreSQL)."""
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        inherited = {key: value for key, value in os.environ.items() if not key.startswith("LECTERN_")}
        self.server = ServerProcess(
            "lectern index serve",
            [sys.executable, "-m", "lectern.cli", "-v", "index", "serve", "--port", str(self.port),
             "--instance", str(folder), "--allow-private-addresses", *extra_args],
            PROJECT,
            inherited | (env or {}),
            folder.parent / f"index-{self.port}.log",
            log_tail=8000,
        )  # fmt: skip
        self.server.wait_until_answers(f"{self.url}/actor", timeout=30.0)

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self.server.process

    def log(self) -> str:
        return self.server.log()

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with NO_PROXY.open(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get_json(self, path: str) -> Any:
        status, body = self.request("GET", path)
        assert status == 200, (status, body)
        return json.loads(body)

    def search(self, **params: str | list[str]) -> dict[str, Any]:
        query = urllib.parse.urlencode(params, doseq=True)
        result: dict[str, Any] = self.get_json(f"/api/search?{query}")
        return result

    def lectern_index(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`lectern index ACTION ...` against this service (its token read from the instance folder)."""
        action, *rest = args
        env = {key: value for key, value in os.environ.items() if not key.startswith("LECTERN_")}
        return subprocess.run(
            [sys.executable, "-m", "lectern.cli", "index", action, *rest, "--instance", str(self.folder),
             "--index-url", self.url],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )  # fmt: skip

    def stop(self) -> None:
        self.server.stop()
