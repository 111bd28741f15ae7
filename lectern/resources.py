"""Where Lectern's data files are: the bundled theme and the template of a new site.

Every other module asks these functions, never builds a path of its own. Both travel in the wheel as package data
(pyproject.toml); in a checkout, `lectern/themes` is a link to the repository's `themes/` folder.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def default_theme() -> Path:
    """The theme Lectern's pages are written with when `pelicanconf.py` names none."""
    return (PACKAGE_DIR / "themes" / "lectern").resolve()


def site_template() -> Path:
    """The files `lectern init` copies into a new site (`gitignore` becomes `.gitignore`)."""
    return PACKAGE_DIR / "site_template"
