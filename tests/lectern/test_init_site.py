"""`lectern init DIR` as an educator runs it: a new folder that checks, builds and serves as it is."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from lectern.init_site import init_site
from lectern.resources import default_theme, site_template
from lectern.settings import load_settings
from tests.conftest import require
from tests.lectern_server import LecternServer


def lectern(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lectern.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_a_new_site_checks_builds_and_serves_webfinger_and_its_home_page(tmp_path: Path) -> None:
    made = lectern(tmp_path, "init", "library")
    assert made.returncode == 0, made.stderr
    site = tmp_path / "library"
    assert lectern(site, "check").returncode == 0
    built = lectern(site, "build")
    assert built.returncode == 0, built.stderr
    assert "Built 2 resources in 1 collections" in built.stdout
    assert (site / "output" / "fractions" / "files" / "fraction-strips.svg").is_file()
    server = LecternServer(site)
    try:
        status, _headers, body = server.get(f"/.well-known/webfinger?resource=acct:fractions@{server.host}")
        assert status == 200, body
        links = json.loads(body)["links"]
        assert f"{server.site_url}/ap/actors/fractions.json" in [link["href"] for link in links]
        status, _headers, home = server.get("/")
        assert status == 200
        assert b"My open library" in home and b"Teaching fractions" in home
    finally:
        server.stop()


def test_the_settings_name_no_theme_and_lectern_uses_its_bundled_one(tmp_path: Path) -> None:
    site = init_site(tmp_path / "site").folder
    assert not re.search(r"^THEME\s*=", (site / "pelicanconf.py").read_text(encoding="utf-8"), re.MULTILINE)
    settings = load_settings(site / "pelicanconf.py")
    assert settings.theme_dir == default_theme()
    assert (settings.theme_dir / "templates" / "collection.html").is_file()


def test_every_lectern_option_is_explained_in_the_new_settings(tmp_path: Path) -> None:
    text = (init_site(tmp_path / "site").folder / "pelicanconf.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    for option in ("SITE_ACTOR", "OUTBOX_PAGE_SIZE", "DISCOVERABLE", "SHOW_FOLLOWERS", "BLOCKED_DOMAINS"):
        at = next(n for n, line in enumerate(lines) if line.strip().startswith(f'"{option}"'))
        assert lines[at - 1].strip().startswith("#") or lines[at - 2].strip().startswith("#"), option


def test_a_folder_with_anything_in_it_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me", encoding="utf-8")
    for args in (("init", "notes"), ("init", "notes", "--force")):
        result = lectern(tmp_path, *args)
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and "not empty" in result.stderr
    assert [p.name for p in folder.iterdir()] == ["mine.txt"]


def test_an_existing_empty_folder_needs_force(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    refused = lectern(tmp_path, "init", "empty")
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert not any((tmp_path / "empty").iterdir())
    assert lectern(tmp_path, "init", "empty", "--force").returncode == 0
    assert (tmp_path / "empty" / "content" / "fractions" / "collection.md").is_file()


def test_the_site_is_a_git_repository_that_ignores_the_build_and_the_keys(tmp_path: Path) -> None:
    require(shutil.which("git") is not None, "git is not installed")
    site = init_site(tmp_path / "site").folder
    assert lectern(site, "build").returncode == 0
    assert (site / "instance").is_dir() and (site / "output").is_dir()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=site, capture_output=True, text=True
    )
    listed = {line[3:] for line in status.stdout.splitlines()}
    assert ".gitignore" in listed and "content/fractions/fraction-strips.svg" in listed
    assert not [path for path in listed if path.startswith(("output/", "instance/"))]


def test_without_git_the_site_is_still_made(tmp_path: Path) -> None:
    no_git = tmp_path / "bin"
    no_git.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "lectern.cli", "init", "site"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PATH": str(no_git)},
    )
    assert result.returncode == 0, result.stderr
    assert "git is not installed" in result.stdout
    assert not (tmp_path / "site" / ".git").exists()
    assert (tmp_path / "site" / "pelicanconf.py").is_file()


def test_the_template_is_copied_whole_with_its_gitignore_renamed(tmp_path: Path) -> None:
    made = init_site(tmp_path / "site")
    template = {
        p.relative_to(site_template()).as_posix()
        for p in site_template().rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert set(made.files) == (template - {"gitignore"}) | {".gitignore"}
    assert "output/" in (made.folder / ".gitignore").read_text(encoding="utf-8")
