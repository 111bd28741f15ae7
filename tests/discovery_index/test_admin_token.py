"""The index's admin token file: written whole or not at all, kept once written, never empty."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from lectern.discovery_index.config import TOKEN_FILE, AdminError, admin_token


@pytest.fixture(autouse=True)
def no_token_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LECTERN_INDEX_TOKEN", raising=False)


def test_the_first_start_writes_a_private_token_that_later_starts_keep(tmp_path: Path) -> None:
    folder = tmp_path / "index-instance"
    with pytest.raises(AdminError, match="LECTERN_INDEX_TOKEN"):
        admin_token(folder, create=False)
    token = admin_token(folder, create=True)
    assert len(token) >= 40
    assert stat.S_IMODE((folder / TOKEN_FILE).stat().st_mode) == 0o600
    assert admin_token(folder, create=True) == admin_token(folder, create=False) == token
    assert [p.name for p in folder.iterdir()] == [TOKEN_FILE]  # nothing left aside


def test_an_empty_token_file_is_never_a_token(tmp_path: Path) -> None:
    (tmp_path / TOKEN_FILE).write_text("\n", encoding="ascii")  # a crash while an older version wrote it
    with pytest.raises(AdminError):
        admin_token(tmp_path, create=False)
    token = admin_token(tmp_path, create=True)
    assert token and (tmp_path / TOKEN_FILE).read_text(encoding="ascii").strip() == token


def test_services_starting_at_once_agree_on_one_token(tmp_path: Path) -> None:
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(admin_token(tmp_path, create=True))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tokens)) == 1 and len(tokens) == 8
