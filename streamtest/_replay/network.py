"""A socket guard: during replay, no connection leaves the process.

The replay stub already answers every httpx/httpx2 request from the cassette
without touching a transport. This guard is the second wall, for whatever goes
around httpx (another HTTP library, a raw socket, a client built before the
patch): any TCP/UDP ``connect`` raises :class:`NetworkBlockedError`. Unix
sockets (``AF_UNIX``) stay allowed; event loops and xdist need them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from streamtest._exceptions import NetworkBlockedError

__all__ = ["blocked_network"]

_INET = (socket.AF_INET, socket.AF_INET6)


@contextmanager
def blocked_network(hint: str) -> Iterator[None]:
    """Refuse IP connections while the context is active; ``hint`` ends the error message."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def refuse(sock: socket.socket, address: Any) -> None:
        if sock.family in _INET:
            raise NetworkBlockedError(
                f"streamtest blocked a connection to {address!r}: tests marked streamtest replay offline. {hint}"
            )

    def connect(sock: socket.socket, address: Any) -> None:
        refuse(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        refuse(sock, address)
        return real_connect_ex(sock, address)

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign, assignment]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign, assignment]
