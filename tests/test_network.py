"""The network guard during replay: every way out through Python's sockets is refused, then restored.

Each probe aims at a real loopback listener (TCP and UDP), so a probe that got
through would be seen arriving; the listener's own sockets were made before
the guard started, as a server outside the process would have been.
"""

from __future__ import annotations

import ctypes
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import urllib3

from streamtest import NetworkBlockedError, ReplayMismatchError, use_cassette
from streamtest._replay.network import blocked_network
from tests.edge_server import Route, edge_server


class Listener:
    """A TCP and a UDP socket on loopback, counting what reaches them."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.2)
        self.tcp.settimeout(0.2)
        self.address = self.tcp.getsockname()
        self.udp_address = self.udp.getsockname()

    def arrivals(self) -> int:
        """How many of a TCP connection and a UDP datagram arrived (0, 1 or 2)."""
        count = 0
        for receive in (lambda: self.tcp.accept()[0].close(), lambda: self.udp.recv(64)):
            try:
                receive()
                count += 1
            except OSError:  # timed out: nothing came
                pass
        return count

    def close(self) -> None:
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


SAVED_CONNECT = socket.socket.connect  # saved at import, long before any guard


def _raw_socket(target: Listener) -> None:
    import _socket

    sock = _socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.connect(target.address)
    finally:
        sock.close()


def _saved_connect(target: Listener) -> None:
    with socket.socket() as sock:
        SAVED_CONNECT(sock, target.address)


def _create_connection(target: Listener) -> None:
    socket.create_connection(target.address, timeout=1).close()


def _connect_ex(target: Listener) -> None:
    with socket.socket() as sock:
        sock.connect_ex(target.address)


def _udp_sendto(target: Listener) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"x", target.udp_address)


def _udp_sendmsg(target: Listener) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendmsg([b"x"], [], 0, target.udp_address)


def _tcp_fast_open(target: Listener) -> None:
    with socket.socket() as sock:
        sock.sendto(b"x", getattr(socket, "MSG_FASTOPEN", 0x20000000), target.address)


def _ipv6(target: Listener) -> None:
    with socket.socket(socket.AF_INET6) as sock:
        sock.connect(("::1", target.address[1]))


def _ctypes_lookup(target: Listener) -> None:
    ctypes.CDLL(None).connect  # noqa: B018 - the lookup itself is what is refused


def _in_a_thread(target: Listener) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _create_connection(target)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


PROBES: dict[str, Callable[[Listener], None]] = {
    "raw _socket.socket": _raw_socket,
    "connect saved before the guard": _saved_connect,
    "socket.create_connection": _create_connection,
    "connect_ex": _connect_ex,
    "UDP sendto": _udp_sendto,
    "UDP sendmsg": _udp_sendmsg,
    "TCP Fast Open sendto": _tcp_fast_open,
    "IPv6": _ipv6,
    "ctypes lookup of connect": _ctypes_lookup,
    "another thread": _in_a_thread,
}


@pytest.mark.parametrize("probe", list(PROBES))
def test_every_way_out_is_refused_during_replay(listener: Listener, probe: str) -> None:
    with blocked_network("Record with `pytest --record`."):
        with pytest.raises(NetworkBlockedError, match=r"streamtest blocked .*replay offline\. Record with"):
            PROBES[probe](listener)
    assert listener.arrivals() == 0


def test_outside_the_guard_the_same_probes_get_through(listener: Listener) -> None:
    _raw_socket(listener)
    _udp_sendto(listener)
    assert listener.arrivals() == 2
    _ctypes_lookup(listener)


def test_unix_sockets_stay_allowed(tmp_path: Path) -> None:
    with blocked_network("hint"):
        left, right = socket.socketpair()
        left.sendall(b"x")
        assert right.recv(1) == b"x"
        left.close()
        right.close()


# ---------------------------------------------------------------------- other HTTP libraries during replay


def _record(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "requests.yaml"
    with edge_server({"/v1/models": Route(headers=[("content-type", "application/json")], chunks=[b'{"data":[]}'])}) as server:
        with use_cassette(path, record="all"):
            assert requests.get(server.url + "/v1/models", timeout=5).json() == {"data": []}
        return path, server.url


@pytest.mark.parametrize("library", ["requests", "urllib3"])
def test_an_unmatched_request_from_another_library_fails_the_test_even_when_swallowed(tmp_path: Path, library: str) -> None:
    path, url = _record(tmp_path)
    with pytest.raises(ReplayMismatchError, match="nothing was recorded for this method and path; recorded: GET /v1/models"):
        with use_cassette(path):
            assert requests.get(url + "/v1/models", timeout=5).json() == {"data": []}  # recorded: replays
            try:  # the app under test swallowing vcrpy's error
                if library == "requests":
                    requests.get(url + "/v1/other", timeout=5)
                else:
                    urllib3.PoolManager().request("GET", url + "/v1/other")
            except Exception:
                pass
