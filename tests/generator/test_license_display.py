from __future__ import annotations

import pytest

from lectern.generator.license_display import license_badge
from lectern.generator.licenses import find_license


@pytest.mark.parametrize(
    "identifier, label, icons, family",
    [
        ("CC-BY-NC-SA-4.0", "BY-NC-SA 4.0", ("cc", "by", "nc", "sa"), "cc"),
        ("CC-BY-ND-3.0", "BY-ND 3.0", ("cc", "by", "nd"), "cc"),
        ("CC0-1.0", "CC0 1.0", ("cc", "zero"), "public-domain"),
        ("PDM-1.0", "Public domain", ("pd",), "public-domain"),
        ("MIT", "MIT", ("open",), "open"),
    ],
)
def test_each_license_gets_its_badge(identifier: str, label: str, icons: tuple[str, ...], family: str) -> None:
    license = find_license(identifier)
    assert license is not None
    badge = license_badge(license)
    assert (badge.label, badge.icons, badge.family) == (label, icons, family)


def test_the_terms_say_what_each_element_asks() -> None:
    nd = find_license("CC-BY-NC-ND-4.0")
    gpl = find_license("GPL-3.0-or-later")
    assert nd is not None and gpl is not None
    assert license_badge(nd).terms == (
        "You may copy and share it.",
        "Credit the authors, name the license and link to it.",
        "Non-commercial use only.",
        "Share it unchanged: adapted versions may not be shared.",
    )
    assert "Share adapted versions under the same license." in license_badge(gpl).terms
