"""The ActivityPub documents and the cartridges, written in forked processes while Pelican reads and renders, are the
same bytes as those a build writes itself; a failure there fails the build and keeps the output before it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from lectern.build import BuildFailed, build_site
from lectern.generator import activitypub_output
from tests.conftest import project_settings

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the build forks on Linux only")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_files_written_in_forked_processes_are_those_written_in_the_build(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = project_settings(project)
    monkeypatch.setenv("LECTERN_BUILD_FORK", "0")
    build_site(settings.with_overrides(output_dir=project / "in-process"), use_cache=False)
    monkeypatch.setenv("LECTERN_BUILD_FORK", "1")  # the example is smaller than a site the build forks for
    forks: list[object] = []
    start = activitypub_output.forked_work.start

    def counted(*args: Any) -> Any:
        forks.append(started := start(*args))
        return started

    monkeypatch.setattr(activitypub_output.forked_work, "start", counted)
    build_site(settings.with_overrides(output_dir=project / "forked"), use_cache=False)
    assert forks and forks[0] is not None, "the build did not fork"
    in_process, forked = tree(project / "in-process"), tree(project / "forked")
    assert any(name.startswith("ap/objects/") for name in forked)
    assert any(name.endswith(".imscc") for name in forked)
    assert sorted(forked) == sorted(in_process)
    assert [name for name in in_process if forked[name] != in_process[name]] == []


def test_a_failure_in_the_forked_process_fails_the_build_and_keeps_the_output(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = project_settings(project)
    build_site(settings)
    before = tree(settings.output_dir)
    monkeypatch.setenv("LECTERN_BUILD_FORK", "1")

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError("no Note for you")

    monkeypatch.setattr(activitypub_output, "resource_to_note", broken)
    (project / "content" / "python-basics" / "think-python.md").touch()
    with pytest.raises(BuildFailed, match=r"ValueError: no Note for you \(in the forked part of the build\)"):
        build_site(settings, use_cache=False)
    assert tree(settings.output_dir) == before
