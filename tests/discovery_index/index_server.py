"""`lectern index serve` as a real server for tests: a subprocess under uvicorn on a free loopback port, with private
addresses allowed explicitly (`--allow-private-addresses`), and `lectern index add/remove/list` run against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tests.conftest import PROJECT
from tests.lectern_server import free_port

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class IndexServer:
    """The discovery index on 127.0.0.1, its state in `folder` (a fresh key pair and SQLite database)."""

    def __init__(self, folder: Path, extra_args: tuple[str, ...] = ()) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        self.log_path = folder.parent / f"index-{self.port}.log"
        self._log = self.log_path.open("w")
        env = {key: value for key, value in os.environ.items() if not key.startswith("LECTERN_")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lectern.cli", "-v", "index", "serve", "--port", str(self.port),
             "--instance", str(folder), "--allow-private-addresses", *extra_args],
            cwd=PROJECT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_until_ready()

    def _wait_until_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"lectern index serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                _OPENER.open(f"{self.url}/actor", timeout=1).close()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"lectern index serve did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-8000:]

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with _OPENER.open(request, timeout=30) as response:
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
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
