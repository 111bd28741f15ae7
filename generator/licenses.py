"""License identifiers educators write, and the canonical URIs Lectern publishes for them.

Identifiers are SPDX (https://spdx.org/licenses/); Creative Commons licenses map to their deed URIs on
creativecommons.org, which is what OER harvesters and schema.org `license` expect. The public domain mark has no
SPDX identifier; Lectern accepts `PDM-1.0` for it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class License:
    identifier: str
    name: str
    uri: str


_CC_ELEMENTS = ("BY", "BY-SA", "BY-ND", "BY-NC", "BY-NC-SA", "BY-NC-ND")
_CC_VERSIONS = ("1.0", "2.0", "2.5", "3.0", "4.0")

_OTHER_LICENSES = (
    License("CC0-1.0", "CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    License("PDM-1.0", "Public Domain Mark 1.0", "https://creativecommons.org/publicdomain/mark/1.0/"),
    License("MIT", "MIT License", "https://spdx.org/licenses/MIT.html"),
    License("Apache-2.0", "Apache License 2.0", "https://www.apache.org/licenses/LICENSE-2.0"),
    License("BSD-2-Clause", "BSD 2-Clause License", "https://spdx.org/licenses/BSD-2-Clause.html"),
    License("BSD-3-Clause", "BSD 3-Clause License", "https://spdx.org/licenses/BSD-3-Clause.html"),
    License("GPL-2.0-only", "GNU GPL 2.0 only", "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html"),
    License(
        "GPL-2.0-or-later",
        "GNU GPL 2.0 or later",
        "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html",
    ),
    License("GPL-3.0-only", "GNU GPL 3.0 only", "https://www.gnu.org/licenses/gpl-3.0.html"),
    License("GPL-3.0-or-later", "GNU GPL 3.0 or later", "https://www.gnu.org/licenses/gpl-3.0.html"),
    License("LGPL-3.0-or-later", "GNU LGPL 3.0 or later", "https://www.gnu.org/licenses/lgpl-3.0.html"),
    License("AGPL-3.0-or-later", "GNU AGPL 3.0 or later", "https://www.gnu.org/licenses/agpl-3.0.html"),
    License(
        "GFDL-1.2-or-later",
        "GNU FDL 1.2 or later",
        "https://www.gnu.org/licenses/old-licenses/fdl-1.2.html",
    ),
    License("GFDL-1.3-only", "GNU FDL 1.3 only", "https://www.gnu.org/licenses/fdl-1.3.html"),
    License("GFDL-1.3-or-later", "GNU FDL 1.3 or later", "https://www.gnu.org/licenses/fdl-1.3.html"),
    License("ODbL-1.0", "Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    License(
        "OGL-UK-3.0",
        "Open Government Licence v3.0",
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    ),
)


def _creative_commons() -> list[License]:
    found = []
    for elements in _CC_ELEMENTS:
        for version in _CC_VERSIONS:
            identifier = f"CC-{elements}-{version}"
            name = f"CC {elements} {version}"
            uri = f"https://creativecommons.org/licenses/{elements.lower()}/{version}/"
            found.append(License(identifier, name, uri))
    return found


LICENSES: dict[str, License] = {lic.identifier.upper(): lic for lic in (*_creative_commons(), *_OTHER_LICENSES)}


def _normalise(text: str) -> str:
    cleaned = re.sub(r"[\s_]+", "-", text.strip()).upper()
    cleaned = re.sub(r"-+", "-", cleaned)
    cleaned = cleaned.replace("CC-ZERO", "CC0").replace("CC0-", "CC0-")
    if cleaned.startswith("CC") and not cleaned.startswith(("CC-", "CC0")):
        cleaned = "CC-" + cleaned[2:]
    return cleaned


def find_license(text: str) -> License | None:
    """The license an educator meant by `text` (`CC-BY-SA-4.0`, `cc by-sa 4.0`), or None."""
    return LICENSES.get(_normalise(text))


def suggest_licenses(text: str) -> list[str]:
    """Up to three known identifiers close to `text`, for an error message."""
    close = difflib.get_close_matches(_normalise(text), list(LICENSES), n=3, cutoff=0.6)
    return [LICENSES[key].identifier for key in close]
