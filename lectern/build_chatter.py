"""Pelican's own chatter during a build, hidden unless `-v`.

Pelican prints a summary on stdout ("Done: Processed 17 articles, 0 drafts, ...", through its rich console, which
looks up sys.stdout at each print) and logs warnings under the `pelican` logger. Lectern says what it built in one
line of its own, so both are hidden unless the person asked for details with `-v`; Pelican's errors still show,
and a failed build ends in Lectern's one line that says to run again with `-v`.

This module does not import Pelican (see lectern/__init__.py): it works on the standard streams and logger names.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator

PELICAN_LOGGER = "pelican"


@contextlib.contextmanager
def pelican_chatter_hidden(verbose: bool) -> Iterator[None]:
    """Around a build: Pelican's stdout and its log lines below ERROR go nowhere, unless `verbose`."""
    if verbose:
        yield
        return
    pelican_logger = logging.getLogger(PELICAN_LOGGER)
    level = pelican_logger.level
    pelican_logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        pelican_logger.setLevel(level)


__all__ = ["pelican_chatter_hidden"]
