"""What `pip install lectern` gives: one import name, `lectern`, with the theme, contexts, vocabularies and the new-site
template inside, and a `lectern` command that starts a site anywhere.

The wheel is built from this checkout and installed into a fresh virtual environment in a temporary folder outside
the repository (its dependencies come from the environment running the tests, so no network is needed); then, in
another temporary folder, `lectern init`, `check`, `build` and `serve` run from that environment alone.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT
from tests.lectern_server import free_port
from tests.server_process import ServerProcess

REPOSITORY_PACKAGES = ("generator", "federation_shim", "publish", "discovery_index")
BARE_IMPORT = re.compile(rf"^\s*(from|import) ({'|'.join(REPOSITORY_PACKAGES)})(\.|\s|$)", re.M)


def test_no_module_imports_a_repository_folder_by_its_bare_name() -> None:
    """Inside the wheel those folders exist only as `lectern.<name>`: a bare `import generator` would work in a
    checkout and fail once installed."""
    offenders = []
    for path in sorted(PROJECT.rglob("*.py")):
        relative = path.relative_to(PROJECT)
        if "node_modules" in relative.parts or relative.parts[0] == "lectern" and path.is_symlink():
            continue
        if BARE_IMPORT.search(path.read_text(encoding="utf-8")):
            offenders.append(relative.as_posix())
    assert offenders == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(folder), str(PROJECT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel_file,) = folder.glob("lectern-*.whl")
    return wheel_file


def test_the_wheel_holds_one_import_name_and_every_data_file(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"lectern", wheel.name.split("-py3")[0] + ".dist-info"}
    for needed in (
        "lectern/themes/lectern/templates/article.html",
        "lectern/themes/lectern/assets/lectern.css",
        "lectern/contexts/activitystreams.jsonld",
        "lectern/generator/vocabulary_data/hcrt.json",
        "lectern/site_template/gitignore",
        "lectern/site_template/content/fractions/collection.md",
        "lectern/generator/plugin.py",
        "lectern/federation_shim/inbox.py",
        "lectern/shim_app.py",
        "lectern/publish/cli.py",
        "lectern/discovery_index/app.py",
    ):
        assert needed in names, needed


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtual environment with only the wheel installed in it; its bin folder. Its dependencies are seen
    through a `.pth` naming the running interpreter's site-packages folders (a plain path entry: the editable
    install's finder there is not loaded, so `lectern` can only come from the wheel)."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    (site_packages,) = (venv / "lib").glob("python3*/site-packages")
    outer = [entry for entry in sys.path if entry.endswith("site-packages") and Path(entry).is_dir()]
    (site_packages / "dependencies-from-the-test-run.pth").write_text("\n".join(outer) + "\n", encoding="utf-8")
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        env=outside_env(),  # a PYTHONPATH naming this checkout would make pip find lectern installed already
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    yield venv / "bin"


def outside_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LECTERN_SITE_URL", "LECTERN_SETTINGS")}
    return env


def test_lectern_from_the_wheel_starts_a_site_anywhere(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "python"), "-c", "import lectern, lectern.generator; print(lectern.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=outside_env(),
        timeout=60,
    )
    assert where.returncode == 0, where.stderr
    assert str(installed.parent) in where.stdout and str(PROJECT) not in where.stdout  # the installed copy

    lectern = str(installed / "lectern")
    site = tmp_path / "my-site"
    for command, cwd in ((["init", str(site)], tmp_path), (["check"], site), (["build"], site)):
        done = subprocess.run(
            [lectern, *command], cwd=cwd, capture_output=True, text=True, env=outside_env(), timeout=300
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert (site / "output" / "index.html").is_file()
    assert (site / "output" / "ap" / "actors" / "fractions.json").is_file()

    port = free_port()
    env = {**outside_env(), "LECTERN_ALLOW_PRIVATE_ADDRESSES": "1"}
    server = ServerProcess(
        "lectern serve (installed)",
        [lectern, "serve", "--port", str(port)],  # builds again, for this address
        site,
        env,
        tmp_path / "serve.log",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        server.wait_until_answers(f"{base}/", timeout=60.0)
        with urllib.request.urlopen(f"{base}/", timeout=10) as response:
            assert response.status == 200 and b"<html" in response.read().lower()
        query = f"{base}/.well-known/webfinger?resource=acct:fractions@127.0.0.1:{port}"
        with urllib.request.urlopen(query, timeout=10) as response:
            found = json.loads(response.read())
        assert found["subject"] == f"acct:fractions@127.0.0.1:{port}"
    finally:
        server.stop()
