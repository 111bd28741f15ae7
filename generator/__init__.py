"""Lectern's Pelican plugin: reads collections and resources, writes their ActivityPub JSON-LD beside the HTML.

Pelican loads it by name (`PLUGINS = ["generator"]`) and calls `register()`, which connects the receivers in
`generator.plugin`, then `generator.cartridge_output` (each collection's Common Cartridge, offered on its page) and
`generator.delivery_output` (tombstones and the manifest, written after everything else). Importing this package
does not import Pelican, so the content model, the validator and the pure ActivityStreams converters can be used
without it.
"""

from __future__ import annotations


def register() -> None:
    from pelican import signals

    from generator import cartridge_output, delivery_output
    from generator.plugin import connect

    connect()
    signals.get_generators.connect(cartridge_output.get_generators)
    signals.get_generators.connect(delivery_output.get_generators)
