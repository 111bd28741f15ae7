"""Validate a document against the AMB JSON schema bundled in `amb_schema/` (the specification, unchanged; see its
README). Every `$ref` resolves to a bundled file: nothing is fetched."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parent / "amb_schema"
MAIN = "https://w3id.org/kim/amb/20231019/schemas/schema.json"


@cache
def amb_validator() -> Draft7Validator:
    registry: Registry[Any] = Registry()
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    main = json.loads((SCHEMAS / "schema.json").read_text(encoding="utf-8"))
    return Draft7Validator(main, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)


def amb_errors(document: Any) -> list[str]:
    """Every way `document` breaks the AMB schema, as `path: message` lines (none: it is a valid AMB record)."""
    errors = amb_validator().iter_errors(document)
    return sorted(f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors)
