from __future__ import annotations

import pytest

from lectern.generator.licenses import find_license, suggest_licenses


@pytest.mark.parametrize(
    ("written", "uri"),
    [
        ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"),
        ("cc by-sa 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
        ("CC-BY-NC-SA-3.0", "https://creativecommons.org/licenses/by-nc-sa/3.0/"),
        ("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
        ("cc0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
        ("PDM-1.0", "https://creativecommons.org/publicdomain/mark/1.0/"),
        ("MIT", "https://spdx.org/licenses/MIT.html"),
        ("GFDL-1.3-or-later", "https://www.gnu.org/licenses/fdl-1.3.html"),
    ],
)
def test_identifiers_map_to_canonical_uris(written: str, uri: str) -> None:
    found = find_license(written)
    assert found is not None and found.uri == uri


def test_an_unknown_version_suggests_the_nearest_real_ones() -> None:
    assert find_license("CC-BY-SA-5.0") is None
    assert suggest_licenses("CC-BY-SA-5.0")[0] == "CC-BY-SA-4.0"
