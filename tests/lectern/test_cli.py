"""The `lectern` command as an educator runs it: a real subprocess, its exit status and what it prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def lectern(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lectern.cli", *args], cwd=project, capture_output=True, text=True, timeout=120
    )


def break_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, start: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(start):
            return number
    raise AssertionError(f"no line starting with {start!r} in {path}")


def test_check_on_the_example_content_passes(project: Path) -> None:
    result = lectern(project, "check")
    assert result.returncode == 0, result.stderr
    assert "The content is valid." in result.stdout


def test_check_lists_every_error_with_file_and_line_and_build_writes_nothing(project: Path) -> None:
    resources = sorted(p for p in (project / "content" / "python-basics").glob("*.md") if p.name != "collection.md")
    first, second, third = resources[:3]
    break_file(first, "\ntitle:", "\ntitle_typo:")
    break_file(second, "\nlicense:", "\nlicense: CC-BY-SA-9.0\nold_license:")
    break_file(third, "\nadded:", "\nadded: last tuesday\nold_added:")
    (project / "content" / "no-collection-here").mkdir()
    (project / "content" / "no-collection-here" / "lost.md").write_text("---\ntitle: Lost\n---\n")

    result = lectern(project, "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    rel = lambda p: p.relative_to(project).as_posix()  # noqa: E731
    expected = [
        f"{rel(first)}:1: title: is missing;",
        f"{rel(first)}:{line_of(first, 'title_typo:')}: title_typo: is not a field Lectern knows;",
        f"{rel(second)}:{line_of(second, 'license:')}: license: 'CC-BY-SA-9.0' is not a license Lectern knows;",
        f"{rel(third)}:{line_of(third, 'added:')}: added: 'last tuesday' is not a date;",
        "content/no-collection-here/lost.md:1: collection: unknown collection",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in lines), f"missing: {start}\n{result.stderr}"
    assert lines[-1].endswith("nothing was built.")

    built = lectern(project, "build", "--output", "out")
    assert built.returncode == 1
    assert "Traceback" not in built.stderr
    assert not (project / "out").exists()


def test_build_writes_the_site_and_says_where(project: Path) -> None:
    result = lectern(project, "build", "--site-url", "https://oer.example.edu", "--output", "public")
    assert result.returncode == 0, result.stderr
    assert "Built " in result.stdout and "public" in result.stdout
    actor = json.loads((project / "public" / "ap" / "actors" / "library.json").read_text())
    assert actor["id"] == "https://oer.example.edu/ap/actors/library.json"


def test_a_bad_site_url_or_settings_file_is_one_clear_line(project: Path, tmp_path: Path) -> None:
    result = lectern(project, "build", "--site-url", "oer.example.edu/path")
    assert result.returncode == 1
    assert result.stderr.startswith("lectern: --site-url: 'oer.example.edu/path' is not a site address")
    (project / "pelicanconf.py").write_text("LECTERN = {'SITE_ACTOR': 'Bad Name!'}\nSITEURL = 'http://x'\n")
    result = lectern(project, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "LECTERN['SITE_ACTOR']" in result.stderr


def test_keys_public_prints_the_key_a_ci_build_needs(project: Path) -> None:
    result = lectern(project, "keys", "public")
    assert result.returncode == 0
    assert result.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    assert (project / "instance" / "keys" / "private-key.pem").stat().st_mode & 0o777 == 0o600
    again = lectern(project, "keys", "public")
    assert again.stdout == result.stdout


def test_every_command_has_help() -> None:
    for command in ("check", "build", "keys"):
        result = subprocess.run(
            [sys.executable, "-m", "lectern.cli", command, "--help"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0 and "usage: lectern" in result.stdout


def test_build_and_check_do_not_import_the_services() -> None:
    """`lectern build` parses its command line without the services' commands (aiohttp, boto3 stay unloaded);
    the top-level help still lists them."""
    code = (
        "import sys; from lectern.cli import build_parser, names_core_command as core; "
        "argv = ['--settings', 'x.py', 'build', '-v']; args = build_parser(core_only=core(argv)).parse_args(argv); "
        "print(args.command, args.verbose, args.settings, sorted(m for m in ('aiohttp', 'boto3') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["build", "True", "x.py", "[]"], result.stderr
    top = subprocess.run([sys.executable, "-m", "lectern.cli", "--help"], capture_output=True, text=True, timeout=60)
    assert "serve" in top.stdout and "publish" in top.stdout and "build" in top.stdout


def test_only_a_core_command_gets_the_small_parser() -> None:
    from lectern.cli import names_core_command

    assert names_core_command(["build"]) and names_core_command(["-v", "--settings", "s.py", "check", "-v"])
    assert not names_core_command(["serve"]) and not names_core_command(["--help", "build"])
    assert not names_core_command(["--settings", "build"]) and not names_core_command([])
