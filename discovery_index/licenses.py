"""A license URI (what Lectern publishes as schema.org `license`) -> a short label for the license facet.

Pure and table-free for Creative Commons (the URI spells the license: `/licenses/by-sa/4.0/` is CC BY-SA 4.0); a
small table for the other licenses Lectern knows; anything else is shown as its address without the scheme.
"""

from __future__ import annotations

import re

_CC = re.compile(r"^https?://creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)/?")
_OTHERS = {
    "https://spdx.org/licenses/MIT.html": "MIT",
    "https://www.apache.org/licenses/LICENSE-2.0": "Apache 2.0",
    "https://spdx.org/licenses/BSD-2-Clause.html": "BSD 2-Clause",
    "https://spdx.org/licenses/BSD-3-Clause.html": "BSD 3-Clause",
    "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html": "GNU GPL 2.0",
    "https://www.gnu.org/licenses/gpl-3.0.html": "GNU GPL 3.0",
    "https://www.gnu.org/licenses/lgpl-3.0.html": "GNU LGPL 3.0",
    "https://www.gnu.org/licenses/agpl-3.0.html": "GNU AGPL 3.0",
    "https://www.gnu.org/licenses/old-licenses/fdl-1.2.html": "GNU FDL 1.2",
    "https://www.gnu.org/licenses/fdl-1.3.html": "GNU FDL 1.3",
    "https://opendatacommons.org/licenses/odbl/1-0/": "ODbL 1.0",
    "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/": "OGL UK 3.0",
}


def license_label(uri: str) -> str:
    """'https://creativecommons.org/licenses/by-sa/4.0/' -> 'CC BY-SA 4.0'; unknown URIs lose only their scheme."""
    match = _CC.match(uri)
    if match:
        kind, elements, version = match.groups()
        if kind == "publicdomain":
            return {"zero": f"CC0 {version}", "mark": f"Public Domain Mark {version}"}.get(elements, f"CC {elements}")
        return f"CC {elements.upper()} {version}"
    return _OTHERS.get(uri, uri.split("://", 1)[-1].rstrip("/"))


_CC_ID = re.compile(r"^cc[\s_-]*(by(?:[\s_-]*(?:nc|nd|sa))*)[\s_-]*v?(\d(?:\.\d)?)$")
_CC0 = re.compile(r"^cc[\s_-]*(?:0|zero)(?:[\s_-]*v?(\d\.\d))?$")
_OTHER_IDS = {re.sub(r"[\s_.-]", "", label.lower()): uri for uri, label in _OTHERS.items()}


def license_key(text: str) -> str:
    """One spelling for the license filter, whatever was typed: a URI (any scheme, `www.`, trailing slash or case)
    or an identifier (`CC-BY-SA-4.0`, `cc by-sa 4.0`, `CC0-1.0`, `MIT`) -> 'creativecommons.org/licenses/by-sa/4.0'."""
    value = text.strip().lower()
    if "://" not in value:
        cc = _CC_ID.match(value)
        if cc:
            elements = re.sub(r"[\s_-]+", "-", cc.group(1))
            version = cc.group(2) if "." in cc.group(2) else f"{cc.group(2)}.0"
            return f"creativecommons.org/licenses/{elements}/{version}"
        zero = _CC0.match(value)
        if zero:
            return f"creativecommons.org/publicdomain/zero/{zero.group(1) or '1.0'}"
        other = _OTHER_IDS.get(re.sub(r"[\s_.-]", "", value.removesuffix(".0")), "") or _OTHER_IDS.get(
            re.sub(r"[\s_.-]", "", value), ""
        )
        if not other:
            return value
        value = other.lower()
    address = value.split("://", 1)[-1]
    return address.removeprefix("www.").rstrip("/")
