"""`lectern serve` as a real server for tests: a subprocess under uvicorn on a free loopback port."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.server_process import ServerProcess


def free_port() -> int:
    """A free loopback port below the kernel's ephemeral range, so that no socket bound to port 0 and no outgoing
    connection can take it between this check and the server binding it."""
    low, _high = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    chooser = random.SystemRandom()
    for _ in range(200):
        port = chooser.randrange(20000, max(20001, min(low, 32768)))
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port between 20000 and the ephemeral range")


class LecternServer:
    """`lectern serve` on 127.0.0.1 for the project in `project` (a copy made by `copy_project`)."""

    def __init__(
        self,
        project: Path,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
        serve_args: tuple[str, ...] = (),
        verbose: bool = True,
    ) -> None:
        self.project = project
        self.port = port or free_port()
        self.site_url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        env = {**os.environ, "LECTERN_ALLOW_PRIVATE_ADDRESSES": "1", **(extra_env or {})}
        env.pop("LECTERN_SITE_URL", None)
        self.server = ServerProcess(
            "lectern serve",
            [sys.executable, "-m", "lectern.cli", *(["-v"] if verbose else []), "serve", "--port", str(self.port)]
            + list(serve_args),
            project,
            env,
            project / f"serve-{self.port}.log",
        )
        self.server.wait_until_answers(f"{self.site_url}/ap/webfinger.json", timeout=60.0)

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self.server.process

    def log(self) -> str:
        return self.server.log()

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.site_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get_json(self, path: str) -> Any:
        status, _headers, body = self.get(path)
        assert status == 200, (status, body)
        return json.loads(body)

    def lectern(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run another `lectern` command in the same project, against this server's site URL."""
        env = {**os.environ, "LECTERN_SITE_URL": self.site_url, "LECTERN_ALLOW_PRIVATE_ADDRESSES": "1"}
        return subprocess.run(
            [sys.executable, "-m", "lectern.cli", *args],
            cwd=self.project,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )

    def stop(self) -> None:
        self.server.stop()
