"""Where Lectern's data files are: the bundled theme and the template of a new site.

Every other module asks these functions, never builds a path of its own, so the files can move (into the installed
package, as package data) by changing this one module.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def default_theme() -> Path:
    """The theme Lectern's pages are written with when `pelicanconf.py` names none."""
    return PACKAGE_DIR.parent / "themes" / "lectern"


def site_template() -> Path:
    """The files `lectern init` copies into a new site (`gitignore` becomes `.gitignore`)."""
    return PACKAGE_DIR / "site_template"
