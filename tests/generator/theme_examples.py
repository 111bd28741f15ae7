"""Example values for the theme modules' unit tests: one collection, two resources."""

from __future__ import annotations

from datetime import UTC, datetime

from lectern.generator.content_model import Collection, Resource
from lectern.generator.licenses import find_license
from lectern.site_paths import SitePaths

PATHS = SitePaths("https://oer.example.edu")

COLLECTION = Collection(
    "fractions",
    "Fractions",
    "Fractions from grade 3 to 6.",
    "Lucía Herrera",
    "en",
    ("fractions",),
    "cover.png",
    "Strips first, **rules** later.",
    "content/fractions/collection.md",
)


def resource(slug: str = "strips", **changes: object) -> Resource:
    license = find_license(str(changes.pop("license", "CC-BY-SA-4.0")))
    assert license is not None
    fields: dict[str, object] = {
        "collection": "fractions",
        "slug": slug,
        "title": "Fraction <strips>",
        "summary": "A printable wall.",
        "link": None,
        "files": ("strips.pdf",),
        "license": license,
        "language": "en",
        "levels": ("primary", "lower secondary"),
        "subjects": ("mathematics", "fractions"),
        "resource_type": "worksheet",
        "tags": ("fractions", "printable"),
        "authors": ("Lucía Herrera",),
        "added": datetime(2024, 9, 2, tzinfo=UTC),
        "updated": datetime(2025, 1, 13, 9, 30, tzinfo=UTC),
        "notes": "Print on A3.",
        "source_path": f"content/fractions/{slug}.md",
    }
    fields.update(changes)
    return Resource(**fields)  # type: ignore[arg-type]
