"""IEEE LOM metadata for a Common Cartridge, as the IMS CC profile of LOM allows it (`ccv1p1_lommanifest_v1p0.xsd`).

The cartridge's own metadata (`manifest/metadata/lomimscc:lom`) names the collection; each item of the organization
carries a `lomimscc:lom` in its `metadata` (the CC profile of IMS CP lets an item's metadata hold any element of
another namespace, checked strictly), with the resource's title, summary, language, subjects, authors (as `author`
contributors, one vCard each), hosted files' formats and its license: `rights/description` holds the license's name
and canonical URI, `copyrightAndOtherRestrictions` is `no` only for CC0 and the public domain mark. The element order
is the schema's (general, lifeCycle, technical, rights; identifier, title, language, description, keyword).
"""

from __future__ import annotations

from collections.abc import Sequence

from lectern.generator.content_model import Collection, Resource
from lectern.generator.xml_text import Element, element

NO_RESTRICTIONS = ("CC0-1.0", "PDM-1.0")


def _lang_string(tag: str, text: str, language: str, prefix: str) -> Element:
    return element(f"{prefix}:{tag}", element(f"{prefix}:string", text=text, language=language))


def vcard(name: str) -> str:
    """A minimal vCard 3.0 for a contributor, as LOM's `entity` expects (N is required by vCard 3.0)."""
    escaped = name.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return f"BEGIN:VCARD\nVERSION:3.0\nN:{escaped};;;;\nFN:{escaped}\nEND:VCARD"


def license_text(resource: Resource) -> str:
    lic = resource.license
    return f"{lic.name} ({lic.identifier}): {lic.uri}"


def _general(
    prefix: str, identifier: str, title: str, language: str, description: str, keywords: Sequence[str]
) -> Element:
    return element(
        f"{prefix}:general",
        element(
            f"{prefix}:identifier",
            element(f"{prefix}:catalog", text="URI"),
            element(f"{prefix}:entry", text=identifier),
        ),
        _lang_string("title", title, language, prefix),
        element(f"{prefix}:language", text=language),
        _lang_string("description", description, language, prefix),
        *(_lang_string("keyword", keyword, language, prefix) for keyword in keywords),
    )


def collection_lom(collection: Collection, url: str, prefix: str) -> Element:
    """The cartridge's metadata: what Moodle names the restored course after (`general/title/string`)."""
    return element(
        f"{prefix}:lom",
        _general(prefix, url, collection.title, collection.language, collection.summary, collection.tags),
        element(
            f"{prefix}:lifeCycle",
            element(
                f"{prefix}:contribute",
                element(f"{prefix}:role", element(f"{prefix}:value", text="content provider")),
                element(f"{prefix}:entity", text=vcard(collection.curator)),
            ),
        ),
        element(
            f"{prefix}:rights",
            element(f"{prefix}:copyrightAndOtherRestrictions", element(f"{prefix}:value", text="yes")),
            _lang_string(
                "description",
                "Each resource keeps its own license, named in its metadata and on the cover page.",
                "en",
                prefix,
            ),
        ),
    )


def resource_lom(resource: Resource, url: str, formats: Sequence[str], prefix: str) -> Element:
    """An item's metadata: the resource as LOM; `formats` are the media types of its hosted files."""
    language = resource.language
    return element(
        f"{prefix}:lom",
        _general(prefix, url, resource.title, language, resource.summary, resource.subjects),
        element(
            f"{prefix}:lifeCycle",
            element(
                f"{prefix}:contribute",
                element(f"{prefix}:role", element(f"{prefix}:value", text="author")),
                *(element(f"{prefix}:entity", text=vcard(author)) for author in resource.authors),
            ),
        ),
        element(f"{prefix}:technical", *(element(f"{prefix}:format", text=kind) for kind in formats))
        if formats
        else None,
        element(
            f"{prefix}:rights",
            element(f"{prefix}:cost", element(f"{prefix}:value", text="no")),
            element(
                f"{prefix}:copyrightAndOtherRestrictions",
                element(f"{prefix}:value", text="no" if resource.license.identifier in NO_RESTRICTIONS else "yes"),
            ),
            _lang_string("description", license_text(resource), "en", prefix),
        ),
    )
