"""`python -m lectern.discovery_index serve|add|remove|list`: the index's commands where no Lectern project is."""

from __future__ import annotations

import logging
import sys

from lectern.discovery_index.cli import main

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO if "-v" in sys.argv else logging.WARNING)
    sys.exit(main())
