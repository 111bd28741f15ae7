"""Shared fixtures: a scratch copy of the project, and one real build of the example content per test session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lectern.build import build_site
from lectern.settings import Settings, load_settings
from tests.postgres_server import PostgresServer, missing_parts

PROJECT = Path(__file__).resolve().parent.parent
SITE_URL = "http://127.0.0.1:8000"
# Whether a rebuild is a quick one (`lectern.quick_rebuild`) depends on how long ago its files changed: the tests of
# every other part of a build see the build as before, whatever the clock; tests/lectern/test_quick_rebuild.py turns
# it on (this process's builds, and the processes the tests start, read it)
os.environ["LECTERN_QUICK_REBUILD"] = "0"


def require(available: bool, reason: str) -> None:
    """Skip a test whose outside tool is missing on a developer's machine; fail it in CI, where it must run
    (`.ci/run` sets LECTERN_REQUIRE_ALL_TESTS=1 after installing everything)."""
    if available:
        return
    if os.environ.get("LECTERN_REQUIRE_ALL_TESTS") == "1":
        pytest.fail(f"{reason} (CI must install it: see .ci/run)")
    pytest.skip(reason)


def copy_project(target: Path, content: Path | None = None) -> Path:
    """A copy of the settings, theme and content in `target`, so a test can change files freely."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT / "pelicanconf.py", target / "pelicanconf.py")
    shutil.copytree(PROJECT / "themes", target / "themes")
    shutil.copytree(content or PROJECT / "content", target / "content")
    return target


def project_settings(project: Path, site_url: str = SITE_URL) -> Settings:
    return load_settings(project / "pelicanconf.py").with_overrides(site_url=site_url)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Path]]:
    """The example content built once, with its own instance folder (a fresh key pair)."""
    project = copy_project(tmp_path_factory.mktemp("built") / "project")
    settings = project_settings(project)
    build_site(settings)
    yield settings, settings.output_dir


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL cluster for the session, on a Unix socket in a temporary folder (tests/postgres_server.py)."""
    problem = missing_parts()
    require(problem is None, problem or "")
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of an empty database of this test's own."""
    return postgres_server.new_database()
