"""How the theme shows a license: the small badge (which icons, which label) and what it allows, in plain words.

The badge icons are the theme's own inline SVG symbols (`cc`, `by`, `nc`, `sa`, `nd`, `zero`, `pd`, `open`), drawn
in `themes/lectern/templates/_icons.html`, never images fetched from creativecommons.org. The plain-language terms
summarise the Creative Commons license elements (https://creativecommons.org/about/cclicenses/); they help a teacher
decide at a glance and always sit next to the link to the license itself, which is what counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from lectern.generator.licenses import License

_ELEMENT_TERMS = {
    "BY": "Credit the authors, name the license and link to it.",
    "NC": "Non-commercial use only.",
    "SA": "Share adapted versions under the same license.",
    "ND": "Share it unchanged: adapted versions may not be shared.",
}
_COPYLEFT = ("GPL-", "LGPL-", "AGPL-", "GFDL-", "ODbL-")


@dataclass(frozen=True)
class LicenseBadge:
    label: str  # the text beside the icons: "BY-NC-SA 4.0", "CC0 1.0", "MIT"
    icons: tuple[str, ...]  # symbol ids, in order
    family: str  # "cc", "public-domain" or "open": the badge's colour
    terms: tuple[str, ...]  # what the license allows and asks, one short sentence each


def license_badge(license: License) -> LicenseBadge:
    identifier = license.identifier
    if identifier.startswith("CC-"):
        parts = identifier.split("-")
        elements, version = parts[1:-1], parts[-1]
        may = "You may copy and share it." if "ND" in elements else "You may copy, share and adapt it."
        terms = (may, *(_ELEMENT_TERMS[e] for e in elements))
        return LicenseBadge(f"{'-'.join(elements)} {version}", ("cc", *(e.lower() for e in elements)), "cc", terms)
    if identifier == "CC0-1.0":
        return LicenseBadge(
            "CC0 1.0",
            ("cc", "zero"),
            "public-domain",
            ("No conditions: the authors gave up their rights.", "Crediting them is still good practice."),
        )
    if identifier == "PDM-1.0":
        return LicenseBadge(
            "Public domain",
            ("pd",),
            "public-domain",
            ("No known copyright: use it freely.", "Crediting the authors is still good practice."),
        )
    if identifier.startswith(_COPYLEFT):
        terms = ("You may use, copy and adapt it.", "Share adapted versions under the same license.")
    else:
        terms = ("You may use, copy and adapt it.", "Keep the copyright and license notice with copies.")
    return LicenseBadge(identifier, ("open",), "open", terms)
