"""The listening socket of `lectern serve` and `lectern index serve`, claimed before anything else happens.

A server that builds, prints where it serves and only then finds its port taken has already told a lie; so the port is
checked by argparse (`port_number`) and bound here first (`claim_port`), and the bound socket is handed to uvicorn
(`serve_on`).
A port that cannot be had is one line saying why and what to do (`PortUnavailable`), never uvicorn's log line.
"""

from __future__ import annotations

import argparse
import errno
import socket
from typing import Any

from lectern.errors import LecternError

BACKLOG = 2048  # uvicorn's default


class PortUnavailable(LecternError):
    """The address and port to listen on cannot be bound."""


def port_number(text: str) -> int:
    """argparse type for --port: a whole number from 1 to 65535 (0 would be a random port nobody could be told)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port; write a whole number from 1 to 65535") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port; write a whole number from 1 to 65535")
    return value


def claim_port(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, ready for uvicorn (`Server.run(sockets=[...])`). Raises PortUnavailable."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: no wait after a restart
        listener.bind((host, port))
        listener.listen(BACKLOG)
    except OSError as error:
        listener.close()
        raise PortUnavailable(_reason(error, host, port, where)) from None
    listener.set_inheritable(True)
    return listener


def _reason(error: OSError, host: str, port: int, where: str) -> str:
    if isinstance(error, socket.gaierror):
        return f"cannot listen on {where}: {host!r} is not an address or a known host name; pass --host 127.0.0.1"
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use: stop what listens there, "
            f"or pass another port, e.g. --port {port + 1 if port < 65535 else 8000}"
        )
    if error.errno == errno.EACCES:
        return f"cannot listen on {where}: ports below 1024 need root; use --port 8000 behind a proxy such as Caddy"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {where}: {host} is not an address of this machine; pass --host 127.0.0.1 or 0.0.0.0"
    return f"cannot listen on {where} ({error.strerror or error}); pass another --host or --port"


def serve_on(
    listener: socket.socket, app: Any, host: str, port: int, verbose: bool, *, proxy_headers: bool = False
) -> int:
    """Run the ASGI `app` under uvicorn on the already bound `listener` until stopped; 1 when it could not start."""
    import uvicorn

    config = uvicorn.Config(
        app, host=host, port=port, log_level="info" if verbose else "warning", proxy_headers=proxy_headers
    )
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:  # Ctrl+C: uvicorn has shut down cleanly, then raised the signal again
        pass
    return 0 if server.started else 1


__all__ = ["PortUnavailable", "claim_port", "port_number", "serve_on"]
