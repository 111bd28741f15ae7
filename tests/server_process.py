"""A server under test as a subprocess: started with its output in a log file, waited for until it answers, stopped
for sure. `LecternServer` and the discovery index's `IndexServer` are both built on it."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback is never reached through a proxy


class ServerProcess:
    def __init__(
        self, name: str, command: list[str], cwd: Path, env: dict[str, str], log_path: Path, log_tail: int = 6000
    ) -> None:
        self.name = name
        self.log_path = log_path
        self.log_tail = log_tail
        self._log = log_path.open("w")
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_until_answers(self, url: str, timeout: float) -> None:
        """Return once `url` answers 2xx; raise with the server's log if it exits or stays silent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
            try:
                NO_PROXY.open(url, timeout=1).close()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-self.log_tail :]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
