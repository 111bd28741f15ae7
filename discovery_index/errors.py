"""Errors of the discovery index, each with a message for the person running `lectern index`.

Expected failures inside the service (a bad signature, a Note that is not public, an actor that is not indexable)
are values with a reason (`inbox.InboxResult`, `ingest.Skipped`), never exceptions. These are for the edges:

    LecternError                 (lectern.errors) the CLI prints the message and exits 1
    └── DiscoveryIndexError      base of this package
        ├── IndexConfigError     a bad --url, --port, token or instance folder
        ├── SourceError          `index add X`: X cannot be resolved to an instance or a collection actor
        └── AdminError           the CLI could not get an answer from the running index service

Fetch failures are the shim's `federation_shim.errors.FetchError` tree, reused as is.
"""

from __future__ import annotations

from lectern.errors import LecternError


class DiscoveryIndexError(LecternError):
    """Base class of the discovery index's errors."""


class IndexConfigError(DiscoveryIndexError):
    pass


class SourceError(DiscoveryIndexError):
    pass


class AdminError(DiscoveryIndexError):
    pass
