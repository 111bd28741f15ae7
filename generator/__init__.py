"""Lectern's Pelican plugin: reads collections and resources, writes their ActivityPub JSON-LD beside the HTML.

Pelican loads it by name (`PLUGINS = ["generator"]`) and calls `register()`, which connects the receivers in
`generator.plugin`. Importing this package does not import Pelican, so the content model, the validator and the pure
ActivityStreams converters (`generator.content_loader`, `generator.objects`, ...) can be used without it.
"""

from __future__ import annotations


def register() -> None:
    from generator.plugin import connect

    connect()
