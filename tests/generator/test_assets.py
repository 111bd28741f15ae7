from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from lectern.generator.assets import Asset, asset_url_function, theme_assets, write_assets
from lectern.generator.errors import ThemeError


def test_an_asset_name_carries_the_first_8_hex_digits_of_its_sha256() -> None:
    digest = hashlib.sha256(b"body{}").hexdigest()[:8]
    assert Asset("lectern.css", b"body{}").file_name == f"lectern.{digest}.css"
    assert Asset("lib/axe.min.js", b"body{}").output_path == f"theme/lib/axe.min.{digest}.js"
    assert Asset("LICENSE", b"body{}").file_name == f"LICENSE.{digest}"


def test_theme_assets_are_read_from_the_assets_folder_plus_generated_ones(tmp_path: Path) -> None:
    (tmp_path / "assets" / "img").mkdir(parents=True)
    (tmp_path / "assets" / "lectern.css").write_bytes(b"a{}")
    (tmp_path / "assets" / "img" / "x.svg").write_bytes(b"<svg/>")
    (tmp_path / "assets" / ".DS_Store").write_bytes(b"junk")
    assets = theme_assets(tmp_path, {"card.png": lambda: b"png"})
    assert sorted(assets) == ["card.png", "img/x.svg", "lectern.css"]
    write_assets(tmp_path / "out", assets)
    assert (tmp_path / "out" / assets["img/x.svg"].output_path).read_bytes() == b"<svg/>"


def test_asking_for_an_unknown_asset_names_the_ones_that_exist() -> None:
    asset_url = asset_url_function("https://oer.example.edu", {"lectern.css": Asset("lectern.css", b"a{}")})
    assert asset_url("lectern.css").startswith("https://oer.example.edu/theme/lectern.")
    with pytest.raises(ThemeError, match=r"'lectern.js'.*the assets are: lectern.css"):
        asset_url("lectern.js")


def test_only_themes_written_for_lectern_get_autoescaping(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from jinja2 import Environment

    from lectern.generator.assets import install_theme_globals

    (tmp_path / "ours" / "assets").mkdir(parents=True)
    (tmp_path / "pelican-simple").mkdir()
    for theme, escaped in (("ours", True), ("pelican-simple", False)):
        generator = SimpleNamespace(theme=str(tmp_path / theme), settings={"SITEURL": "https://x"}, env=Environment())
        install_theme_globals(generator)
        assert generator.env.autoescape is escaped
        assert generator.env.from_string("{{ asset_url('card.png') }}").render().startswith("https://x/theme/card.")
