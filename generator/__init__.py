"""Lectern's Pelican plugin: reads collections and resources, writes their ActivityPub JSON-LD beside the HTML.

Pelican loads it by name (`PLUGINS = ["lectern.generator"]`) and calls `register()`,
which connects the receivers of both ways Pelican runs it:

- a Lectern build (`lectern build`, which sets `LECTERN_RUNTIME`): `generator.plugin`'s reader and generator, then
  `generator.cartridge_output` (each collection's Common Cartridge, offered on its page) and
  `generator.delivery_output` (tombstones and the manifest, written after everything else);
- an existing Pelican site that lists the plugin (`pelican`): `generator.pelican_site` validates the collections
  first and adds them, built with Lectern's theme, once the site is written (docs/pelican-plugin.md).

Each receiver checks which of the two runs it is in, since Pelican's signals outlive a run. Importing this package
does not import Pelican, so the content model, the validator and the pure ActivityStreams converters can be used
without it.
"""

from __future__ import annotations

from typing import Any


def register() -> None:
    from pelican import signals

    from lectern.generator import pelican_site
    from lectern.generator.plugin import connect

    connect()
    signals.get_generators.connect(cartridge_generators)
    signals.get_generators.connect(delivery_generators)
    signals.get_generators.connect(pelican_site.prepare)
    signals.finalized.connect(pelican_site.add_collections)


def cartridge_generators(pelican: Any) -> Any:
    from lectern.generator import cartridge_output
    from lectern.generator.pelican_settings import is_lectern_build

    return cartridge_output.get_generators(pelican) if is_lectern_build(pelican.settings) else None


def delivery_generators(pelican: Any) -> Any:
    from lectern.generator import delivery_output
    from lectern.generator.pelican_settings import is_lectern_build

    return delivery_output.get_generators(pelican) if is_lectern_build(pelican.settings) else None
