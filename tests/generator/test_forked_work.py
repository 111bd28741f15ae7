"""A part of the build run in a forked process: its result reaches the build, and so does its failure."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from lectern.generator import forked_work
from lectern.generator.forked_work import ForkedWorkFailed

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the build forks on Linux only")


SITE = forked_work.FORK_FROM  # resources: a site large enough to fork for


@pytest.fixture(autouse=True)
def forking_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LECTERN_BUILD_FORK", raising=False)
    assert forked_work.may_fork(SITE), f"another thread runs in the test process: {threading.enumerate()}"


def test_what_the_child_returns_is_merged_at_wait(tmp_path: Path) -> None:
    merged: list[tuple[int, str]] = []

    def work() -> tuple[int, str]:
        (tmp_path / "made.txt").write_text("by the child", encoding="utf-8")
        return os.getpid(), "learnt"

    running = forked_work.start(work, merged.append, SITE)
    assert running is not None
    running.wait()
    ((pid, learnt),) = merged
    assert pid != os.getpid() and learnt == "learnt"
    assert (tmp_path / "made.txt").read_text(encoding="utf-8") == "by the child"


def test_an_error_in_the_child_is_raised_at_wait_with_its_message() -> None:
    def work() -> None:
        raise ValueError("the collection 'maths' has no actor")

    running = forked_work.start(work, lambda _: pytest.fail("nothing to merge after a failure"), SITE)
    assert running is not None
    with pytest.raises(ForkedWorkFailed, match=r"ValueError: the collection 'maths' has no actor"):
        running.wait()


def test_a_child_that_stops_without_a_word_is_an_error() -> None:
    running = forked_work.start(lambda: os._exit(3), lambda _: None, SITE)
    assert running is not None
    with pytest.raises(ForkedWorkFailed, match=r"stopped without finishing \(exit code 3\)"):
        running.wait()


def test_a_result_that_cannot_be_sent_is_an_error() -> None:
    running = forked_work.start(lambda: threading.Lock(), lambda _: None, SITE)
    assert running is not None
    with pytest.raises(ForkedWorkFailed, match="TypeError"):
        running.wait()


def test_a_large_result_does_not_block_the_child() -> None:
    merged: list[bytes] = []
    running = forked_work.start(lambda: b"x" * (8 << 20), merged.append, SITE)  # far more than a pipe holds
    assert running is not None
    running.wait()
    assert len(merged[0]) == 8 << 20


def test_stop_all_kills_a_child_not_waited_for() -> None:
    running = forked_work.start(lambda: time.sleep(60), lambda _: None, SITE)
    assert running is not None
    started = time.monotonic()
    forked_work.stop_all()
    assert time.monotonic() - started < 30  # killed, not waited for a minute
    running.wait()  # nothing left to wait for


def test_with_another_thread_running_nothing_is_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert forked_work.start(lambda: pytest.fail("forked beside a thread"), lambda _: None, SITE) is None
    finally:
        release.set()
        other.join()


def test_lectern_build_fork_0_keeps_the_work_in_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LECTERN_BUILD_FORK", "0")
    assert forked_work.start(lambda: pytest.fail("forked although told not to"), lambda _: None, SITE) is None


def test_a_small_site_is_built_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert forked_work.start(lambda: pytest.fail("forked for a small site"), lambda _: None, SITE - 1) is None
    monkeypatch.setenv("LECTERN_BUILD_FORK", "1")  # unless told to fork whatever the size
    running = forked_work.start(lambda: "forked", lambda _: None, 1)
    assert running is not None
    running.wait()
