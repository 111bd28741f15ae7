"""Whether a process still runs: `pid_alive` lives in the federation toolkit (its delivery queue needs it); Lectern's
own modules import it from here or from the toolkit."""

from __future__ import annotations

from lectern.federation_shim import pid_alive

__all__ = ["pid_alive"]
