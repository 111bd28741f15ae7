"""The code stays clean: ruff (lint and format) and mypy --strict over every package, as part of the test suite."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=PROJECT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes_on_every_package() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
