"""The inbox farm as a separate process (so its CPU and the worker's are not one Python thread), for the crash test
and the delivery benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any


class FarmProcess:
    def __init__(
        self,
        folder: Path,
        servers: int,
        delay: float = 0.0,
        verify_key_file: Path | None = None,
        cpus: set[int] | None = None,
    ) -> None:
        ports_file = folder / f"farm-ports-{os.getpid()}-{time.monotonic_ns()}.json"
        command = [
            sys.executable,
            "-m",
            "tests.federation_shim.inbox_farm",
            "--servers",
            str(servers),
            "--ports-file",
            str(ports_file),
            "--delay",
            str(delay),
        ]
        if verify_key_file:
            command += ["--verify-key", str(verify_key_file)]
        self.process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2])
        if cpus:
            os.sched_setaffinity(self.process.pid, cpus)
        deadline = time.monotonic() + 60
        while not ports_file.exists() or not ports_file.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the inbox farm did not start")
            time.sleep(0.05)
        time.sleep(0.05)
        listening = json.loads(ports_file.read_text())
        self.control_port: int = listening["control"]
        self.ports: list[int] = listening["inboxes"]

    def receipts(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.control_port}/receipts", timeout=30) as response:
            receipts: dict[str, Any] = json.loads(response.read())
            return receipts

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
