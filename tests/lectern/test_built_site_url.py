"""One site URL everywhere: `deliver`, `status` and `serve --no-build` use the URL the output was built for, whatever
the settings file says, and refuse in one line when told another.

The follower here checks signatures as a real server does (it fetches the keyId), and the site is served on loopback
at the URL of the build, so a delivery signed as the settings file's SITEURL (127.0.0.1:8000) would be refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lectern.federation_shim import Follower, ShimState
from tests.federation_shim.test_deliver_to_fedify import NEW_RESOURCE
from tests.lectern.loopback_site import KeyCheckingInbox, StaticSite
from tests.lectern_server import LecternServer, free_port
from tests.server_process import NO_PROXY

SETTINGS_SITE_URL = "http://127.0.0.1:8000"  # pelicanconf.py's SITEURL, where nothing of this test answers


def lectern(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if name != "LECTERN_SITE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "lectern.cli", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, "LECTERN_ALLOW_PRIVATE_ADDRESSES": "1", **env},
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def follow(project: Path, inbox: KeyCheckingInbox, actor: str = "fractions") -> None:
    follower = f"{inbox.url}/users/teacher"
    state = ShimState(project / "instance" / "shim.sqlite3")
    try:
        state.add_follower(
            Follower(actor, follower, f"{follower}/inbox", None, f"{follower}#follow", "2026-11-01T00:00:00Z"),
            f"{follower}#follow",
        )
    finally:
        state.close()


def refusal(told_by: str, told: str, built: str) -> str:
    return (
        f"lectern: {told_by} {told} is not the address output/ was built for ({built}): rebuild with "
        f"'lectern build --site-url {told}', or pass {told_by} {built}\n"
    )


def test_deliver_signs_as_the_site_the_build_was_made_for_and_refuses_another(project: Path) -> None:
    site = StaticSite(project / "output")
    inbox = KeyCheckingInbox()
    try:
        ok(lectern(project, "build", "--site-url", site.url))
        assert "First run" in ok(lectern(project, "deliver"))
        follow(project, inbox)
        (project / "content" / "fractions" / "paper-strips.md").write_text(NEW_RESOURCE, encoding="utf-8")
        ok(lectern(project, "build", "--site-url", site.url))

        delivered = ok(lectern(project, "deliver"))  # no --site-url: the build's, not the settings file's

        assert inbox.verdicts, delivered
        assert all(verified for _key_id, verified in inbox.verdicts), (inbox.verdicts, delivered)
        assert {key_id for key_id, _ in inbox.verdicts} == {f"{site.url}/ap/actors/fractions.json#main-key"}
        assert "0 failed" in delivered and "0 to retry later" in delivered

        told = lectern(project, "deliver", "--site-url", SETTINGS_SITE_URL)
        assert told.returncode == 1
        assert told.stderr == refusal("--site-url", SETTINGS_SITE_URL, site.url)
        from_env = lectern(project, "deliver", LECTERN_SITE_URL="https://oer.example.edu")
        assert from_env.returncode == 1
        assert from_env.stderr == (
            f"lectern: LECTERN_SITE_URL=https://oer.example.edu is not the address output/ was built for "
            f"({site.url}): rebuild with LECTERN_SITE_URL=https://oer.example.edu lectern build, or set "
            f"LECTERN_SITE_URL={site.url}\n"
        )
        same = lectern(project, "deliver", "--site-url", site.url + "/")  # the same address, written differently
        assert "Queued 0 activities" in ok(same)
    finally:
        inbox.stop()
        site.stop()


def test_status_names_the_built_site_and_refuses_another(project: Path) -> None:
    assert ok(lectern(project, "status")).startswith("Site: not built yet\n")
    ok(lectern(project, "build", "--site-url", "https://oer.example.edu"))

    assert ok(lectern(project, "status")).startswith("Site: https://oer.example.edu (the build in output/)\n")
    told = lectern(project, "status", "--site-url", SETTINGS_SITE_URL)
    assert told.returncode == 1 and told.stdout == ""
    assert told.stderr == refusal("--site-url", SETTINGS_SITE_URL, "https://oer.example.edu")


def test_serve_no_build_serves_the_build_as_built_and_refuses_another_url(project: Path) -> None:
    nothing = lectern(project, "serve", "--no-build", "--port", str(free_port()))
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert nothing.stderr == (
        "lectern: there is no build in output/: run 'lectern build' first, or 'lectern serve' without --no-build\n"
    )
    ok(lectern(project, "build", "--site-url", "https://oer.example.edu"))

    server = LecternServer(project, verbose=False, serve_args=("--no-build",))
    try:
        assert server.get_json("/ap/actors/library.json")["id"] == "https://oer.example.edu/ap/actors/library.json"
        status, _headers, body = server.get("/.well-known/webfinger?resource=acct:library@oer.example.edu")
        assert status == 200, body
        assert server.log().startswith(f"Serving https://oer.example.edu/ from {server.site_url} (site and federation")
    finally:
        server.stop()

    told = lectern(project, "serve", "--no-build", "--port", str(server.port), "--site-url", server.site_url)
    assert told.returncode == 1 and told.stdout == ""
    assert told.stderr == refusal("--site-url", server.site_url, "https://oer.example.edu")


def test_a_running_shim_does_not_deliver_a_build_made_for_another_address(project: Path) -> None:
    server = LecternServer(project, extra_env={"LECTERN_DELIVER_TOKEN": "s3cret"})
    try:
        ok(lectern(project, "build", "--site-url", "https://elsewhere.example"))
        request = urllib.request.Request(
            f"{server.site_url}/_lectern/deliver", method="POST", headers={"Authorization": "Bearer s3cret"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            NO_PROXY.open(request, timeout=10)
        detail = json.loads(refused.value.read())["detail"]
        assert refused.value.code == 503
        assert detail == (
            f"output/ was built for https://elsewhere.example, but this shim serves {server.site_url}: rebuild "
            f"with 'lectern build --site-url {server.site_url}', or restart the shim with "
            "LECTERN_SITE_URL=https://elsewhere.example"
        )
        deadline = time.monotonic() + 10
        while "not delivering the new build" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "not delivering the new build: output/ was built for https://elsewhere.example" in server.log()
    finally:
        server.stop()
