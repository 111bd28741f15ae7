"""Lectern: publish open educational resources from a git repository to the web and the Fediverse.

This package holds the `lectern` command and the small core that both the generator (Pelican plugin) and the
federation shim (Starlette app) need: settings, keys and the ActivityStreams vocabulary. It imports neither Pelican
nor Starlette, so data can flow one way: content -> generator -> output -> publish, and inbox -> shim -> delivery.
"""

__version__ = "0.1.0"
