"""Fixtures for the discovery index: the index service, and two Lectern sites with different content that it follows.

Started once per test session (each `lectern serve` builds its site first): site A is the example content; site B is
a copy without the Python collection, with a few titles edited, another name and two resources per outbox page (so
backfilling walks pages). Both run with `--no-deliver`: the tests deliver with `lectern deliver`, as an operator
would after `lectern build`. The index runs with `--actor-max-age 0` so every Create refetches its actor.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lectern.discovery_index.storage import IndexStore
from tests.conftest import copy_project
from tests.discovery_index.index_server import IndexServer
from tests.discovery_index.store_backends import BACKENDS, Opener
from tests.federation_shim.remote_actors import RemoteServer
from tests.lectern_server import LecternServer

EDITED_TITLES = {
    "intro-physics/phet-pendulum-lab.md": "Pendulum Lab for the Lisbon physics club (PhET simulation)",
    "fractions/fraction-strips.md": "Fraction strips for the Lisbon maths circle",
}


@dataclass
class Sites:
    a: LecternServer
    b: LecternServer
    index: IndexServer

    def notes(self, server: LecternServer) -> list[dict[str, Any]]:
        """Every Note the site published (the oracle for facet counts), read from its build output."""
        objects = server.project / "output" / "ap" / "objects"
        documents = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(objects.glob("*/*.json"))]
        return [document for document in documents if document.get("type") == "Note"]


def edit_site_b(project: Path) -> None:
    shutil.rmtree(project / "content" / "python-basics")
    for relative, title in EDITED_TITLES.items():
        path = project / "content" / relative
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(f"title: {title}\n" if line.startswith("title:") else line for line in lines))
    settings = project / "pelicanconf.py"
    text = settings.read_text(encoding="utf-8").replace('"OUTBOX_PAGE_SIZE": 20', '"OUTBOX_PAGE_SIZE": 2')
    settings.write_text(text.replace('SITENAME = "Open Classroom Library"', 'SITENAME = "Second Library"'))


@pytest.fixture(scope="session")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    server = IndexServer(tmp_path_factory.mktemp("discovery") / "index-instance", ("--actor-max-age", "0"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory, index: IndexServer) -> Iterator[Sites]:
    root = tmp_path_factory.mktemp("sites")
    project_b = copy_project(root / "b")
    edit_site_b(project_b)
    a = LecternServer(copy_project(root / "a"), serve_args=("--no-deliver",))
    b = LecternServer(project_b, serve_args=("--no-deliver",))
    try:
        for server in (a, b):
            baseline = server.lectern("deliver")  # the first run records what exists; later runs send changes
            assert "First run" in baseline.stdout, baseline.stdout + baseline.stderr
            added = index.lectern_index("add", server.site_url)
            assert added.returncode == 0, added.stdout + added.stderr + index.log()
        yield Sites(a, b, index)
    finally:
        a.stop()
        b.stop()


@pytest.fixture
def remote() -> Iterator[RemoteServer]:
    """A loopback server of remote actors (`tests.federation_shim.remote_actors`) for one test."""
    server = RemoteServer().start()
    yield server
    server.stop()


@pytest.fixture(params=sorted(BACKENDS))
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens this test's index store, once per backend (`store_backends`); every store opened is closed after."""
    opened: list[IndexStore] = []
    make = BACKENDS[request.param](tmp_path, request)

    def open_one() -> IndexStore:
        store = make()
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()
