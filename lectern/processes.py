"""Whether a process still runs: how a lease or a staging folder left by a killed process is told from a live one."""

from __future__ import annotations

from lectern.federation_shim.local_processes import pid_alive

__all__ = ["pid_alive"]
