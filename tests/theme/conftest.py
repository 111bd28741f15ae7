"""Fixtures for the theme tests: the example site built for, and served by, a loopback HTTP server; headless Chromium.

The site is built with the server's own address as its site URL (the pages use absolute URLs), and served like a
static host serves it: Content-Types from `lectern.content_types`, `404.html` for a missing page. The browser may
reach that server only: every other request is aborted unless a test routes it.

Browser tests need the Debian package `chromium` (at /usr/bin/chromium, or $LECTERN_CHROMIUM) and Playwright for
Python; the accessibility audit also needs axe-core: `npm ci --prefix tests/theme`. Without chromium or axe-core,
the tests that need them are skipped and say why.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lectern.build import build_site
from lectern.content_types import content_type
from tests.conftest import PROJECT, copy_project, project_settings, require

THEME_TESTS = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("LECTERN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = THEME_TESTS / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT / "test-output" / "screenshots"


class StaticSiteHandler(SimpleHTTPRequestHandler):
    """Serves the build output as a static host would; quiet."""

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        relative = Path(path).resolve().relative_to(Path(self.directory).resolve()).as_posix()
        return content_type(relative)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class ServedSite:
    url: str
    output: Path
    requests_elsewhere: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def served_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The example content, built for http://127.0.0.1:<free port> and served from there."""
    root = tmp_path_factory.mktemp("served")
    output = root / "output"
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(StaticSiteHandler, directory=str(output)))
    site_url = f"http://127.0.0.1:{server.server_address[1]}"
    settings = project_settings(copy_project(root / "project"), site_url).with_overrides(output_dir=output)
    build_site(settings)
    thread = threading.Thread(target=server.serve_forever, name="static-site", daemon=True)
    thread.start()
    try:
        yield ServedSite(site_url, output)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright (never Playwright's own browser downloads)."""
    require(
        CHROMIUM.is_file(),
        f"no Chromium at {CHROMIUM}: install it with 'apt-get install -y chromium' "
        "(or set LECTERN_CHROMIUM to its path)",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install playwright (do not run 'playwright install')")
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def axe_script() -> Path:
    require(AXE.is_file(), f"axe-core is not installed at {AXE}: run 'npm ci --prefix tests/theme'")
    return AXE
