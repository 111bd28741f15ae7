"""docs/deploy-one-server.md says what it can be held to: its systemd unit starts `lectern serve` with options that
exist, Caddy, the unit, the environment file and the hook name the same port, folders and address, and the hook
(docs/post-receive) really builds a pushed repository (a bare repository in a temporary folder, `lectern` on PATH).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lectern.built_site import built_site_url
from lectern.cli import build_parser
from tests.conftest import PROJECT, copy_project
from tests.federation_shim.test_deliver_to_fedify import NEW_RESOURCE, git

DOC = PROJECT / "docs" / "deploy-one-server.md"
HOOK = PROJECT / "docs" / "post-receive"


def block(language: str, containing: str) -> str:
    """The doc's fenced block in `language` that contains `containing`."""
    for found in re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        if containing in found:
            return str(found)
    raise AssertionError(f"no ```{language} block with {containing!r} in {DOC.name}")


def unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in block("ini", "[Service]").splitlines():
        if "=" in line and not line.startswith("#"):
            name, _sep, value = line.partition("=")
            values.setdefault(name, []).append(value)
    return values


def environment_file() -> dict[str, str]:
    text = block("sh", "LECTERN_SITE_URL=")
    body = text.split("<<'EOF'\n", 1)[1].split("\nEOF", 1)[0]
    return dict(line.split("=", 1) for line in body.splitlines())


def hook_default(variable: str) -> str:
    match = re.search(rf"\${{{variable}:-([^}}]+)}}", HOOK.read_text(encoding="utf-8"))
    assert match, f"the hook has no default for {variable}"
    return match.group(1)


def test_the_unit_runs_lectern_serve_with_options_it_has() -> None:
    argv = shlex.split(unit()["ExecStart"][0])
    assert argv[0] == "/srv/lectern/venv/bin/lectern" and argv[1] == "serve"

    help_text = subprocess.run(
        [sys.executable, "-m", "lectern.cli", "serve", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    for option in (word for word in argv[2:] if word.startswith("--")):
        assert re.search(rf"\s{re.escape(option)}\b", help_text), f"lectern serve has no {option}"
    args = build_parser().parse_args(argv[1:])
    assert args.no_build and args.host == "127.0.0.1"

    caddy = block("caddyfile", "reverse_proxy")
    assert f"reverse_proxy {args.host}:{args.port}" in caddy  # Caddy sends to where lectern serve listens
    site_name = caddy.split("{", 1)[0].strip()
    env = environment_file()
    assert env["LECTERN_SITE_URL"] == f"https://{site_name}"  # the address the build and Caddy share


def test_the_unit_the_hook_and_the_environment_file_name_the_same_places() -> None:
    values = unit()
    assert values["User"] == ["lectern"] and values["Restart"] == ["on-failure"]
    assert values["WorkingDirectory"] == [hook_default("LECTERN_CHECKOUT")]
    assert values["EnvironmentFile"] == [hook_default("LECTERN_ENV_FILE")]
    writable = values["ReadWritePaths"][0].split()
    assert environment_file()["LECTERN_INSTANCE_DIR"] in writable and values["WorkingDirectory"][0] in writable
    assert f"install -m 755 {HOOK.name}" not in DOC.read_text()  # installed from Lectern's source, where it lives
    assert "/opt/lectern-source/docs/post-receive" in block("sh", "hooks/post-receive")


def test_the_unit_is_a_valid_systemd_unit(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    text = block("ini", "[Service]").replace("/srv/lectern/venv/bin/lectern", "/bin/true")  # not installed here
    (tmp_path / "lectern.service").write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / "lectern.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr  # an unknown or misspelt key is a warning


def push(clone: Path, env: dict[str, str], refspec: str) -> str:
    result = subprocess.run(
        ["git", "push", "origin", refspec], cwd=clone, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stderr  # git shows what the hook said on stderr, as "remote: ..."


def test_a_push_to_main_builds_the_site_and_a_broken_push_keeps_the_last_build(tmp_path: Path) -> None:
    server = tmp_path / "srv"
    bare = server / "site.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    hook = bare / "hooks" / "post-receive"
    shutil.copy(HOOK, hook)
    assert HOOK.stat().st_mode & stat.S_IXUSR  # the copy a person makes stays executable
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    lectern = bin_dir / "lectern"  # the lectern command of this checkout, as pip would install it
    lectern.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m lectern.cli "$@"\n', encoding="utf-8")
    lectern.chmod(0o755)
    env_file = server / "lectern.env"
    env_file.write_text(
        textwrap.dedent(f"""\
            LECTERN_SITE_URL=https://oer.example.edu
            LECTERN_INSTANCE_DIR={server / "instance"}
            LECTERN_CHECKOUT={server / "site"}
            """),
        encoding="utf-8",
    )
    teacher = copy_project(tmp_path / "teacher")
    git(teacher, "init", "--quiet", "--initial-branch=main")
    git(teacher, "add", "pelicanconf.py", "themes", "content")
    git(teacher, "commit", "--quiet", "-m", "The collections")
    git(teacher, "remote", "add", "origin", str(bare))
    hook_env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "LECTERN_ENV_FILE": str(env_file),
        "PYTHONPATH": str(PROJECT),
    }
    hook_env.pop("LECTERN_SITE_URL", None)  # the environment file says it, as on the server

    said = push(teacher, hook_env, "main")
    manifest = server / "site" / "output" / "ap" / "manifest.json"
    assert built_site_url(server / "site" / "output") == "https://oer.example.edu", said
    assert "remote: lectern: building" in said and "remote: Built 17 resources" in said
    assert "remote: lectern: published at https://oer.example.edu" in said
    assert (server / "instance" / "keys" / "private-key.pem").exists()

    (teacher / "content" / "fractions" / "paper-strips.md").write_text(NEW_RESOURCE, encoding="utf-8")
    git(teacher, "add", "content")
    git(teacher, "commit", "--quiet", "-m", "Paper strips")
    assert "remote: Built 18 resources" in push(teacher, hook_env, "main")
    built = manifest.read_text(encoding="utf-8")

    broken = teacher / "content" / "fractions" / "paper-strips.md"
    broken.write_text(NEW_RESOURCE.replace("license: CC-BY-4.0", "license: CC-BY-5.0"), encoding="utf-8")
    git(teacher, "commit", "--quiet", "-am", "A license that does not exist")
    said = push(teacher, hook_env, "main")
    assert "remote: content/fractions/paper-strips.md:5: license: 'CC-BY-5.0'" in said
    assert "remote: lectern: the push is stored, but the site was not rebuilt and stays as it was" in said
    assert manifest.read_text(encoding="utf-8") == built

    said = push(teacher, hook_env, "main:drafts")
    assert "remote: lectern: nothing published (only a push to main publishes the site)" in said
