"""A network guard: during replay, no TCP or UDP packet leaves the process through Python's sockets.

The replay stub already answers every httpx/httpx2 request from the cassette
without touching a transport, and vcrpy answers (or refuses) requests, urllib3
and aiohttp. This guard is the second wall, for whatever goes around them.

It is an audit hook (PEP 578), not a patch of ``socket.socket``: CPython's
socket module raises the ``socket.connect``, ``socket.sendto`` and
``socket.sendmsg`` audit events inside the C implementation, before the system
call, so the hook sees every caller: ``socket.socket``, a raw
``_socket.socket``, a ``connect`` method saved before the guard started, UDP
``sendto``, TCP Fast Open (``sendto`` with ``MSG_FASTOPEN``). Raising from the
hook aborts the call with :class:`NetworkBlockedError`. IPv4 and IPv6 are
refused; Unix sockets (``AF_UNIX``) stay allowed, event loops and xdist need
them. ``ctypes`` lookups of the libc socket calls (``connect``, ``sendto``...)
are refused too (the ``ctypes.dlsym`` event), which stops
``ctypes.CDLL(None).connect`` when the symbol is looked up during replay.

What it cannot block (in-process, cheaply):

- subprocesses: a child process has its own interpreter and sockets
  (``subprocess``, ``os.system``, ``multiprocessing`` with spawn);
- native code calling the C library directly: C extensions, a ``ctypes``
  function pointer looked up before the guard started, ``syscall()``;
- name lookups: ``getaddrinfo`` goes to the system resolver (DNS) and is
  allowed, because many libraries resolve ``localhost`` or their own host name.

An audit hook cannot be removed, so one is installed the first time a guard
starts and does nothing (one membership test per audit event) while no guard
is active.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from streamtest._exceptions import NetworkBlockedError

__all__ = ["blocked_network"]

_INET = frozenset({int(socket.AF_INET), int(socket.AF_INET6)})
_SOCKET_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
# libc functions that open or use a connection, as ctypes would look them up.
_C_SOCKET_CALLS = frozenset({"connect", "sendto", "sendmsg", "sendmmsg"})

_hints: list[str] = []  # one per active guard; the hook refuses while this is not empty
_lock = threading.Lock()
_installed = False


def _refused(what: str) -> NetworkBlockedError:
    return NetworkBlockedError(f"streamtest blocked {what}: tests marked streamtest replay offline. {_hints[-1]}")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _hints:
        return
    if event in _SOCKET_EVENTS:
        sock, address = args[0], args[1]
        if address is not None and getattr(sock, "family", None) in _INET:
            raise _refused(f"a connection to {address!r} ({event.removeprefix('socket.')})")
    elif event == "ctypes.dlsym" and len(args) > 1 and args[1] in _C_SOCKET_CALLS:
        raise _refused(f"a ctypes lookup of the C library's {args[1]}()")


def _install() -> None:
    global _installed
    with _lock:
        if not _installed:
            sys.addaudithook(_audit)
            _installed = True


@contextmanager
def blocked_network(hint: str) -> Iterator[None]:
    """Refuse IP connections and datagrams while the context is active; ``hint`` ends the error message."""
    _install()
    with _lock:
        _hints.append(hint)
    try:
        yield
    finally:
        with _lock:
            _hints.remove(hint)
