"""Checked addresses and a per-URL deadline in, a requests adapter out.

The adapter's connections go only to the addresses the fetcher checked for a host (so DNS cannot
answer differently between check and connect), while TLS still verifies the certificate against
the host name and sends it as SNI, and the request still says ``Host: name``. Every socket a URL
uses is shut down when that URL's deadline passes, however slowly its bytes arrive. This is the
only module that reaches into urllib3.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

log = logging.getLogger("feedpub")

Resolver = Callable[[str, int], Sequence[str]]  # (host, port) → IP addresses; OSError if none


def system_resolver(host: str, port: int) -> list[str]:
    """The system's answer for ``host``, in its order of preference, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def host_key(host: str, port: int) -> tuple[str, int]:
    """How pins are keyed: host lower-cased, without IPv6 brackets or a trailing dot."""
    return host.strip("[]").rstrip(".").lower(), port


class Deadline:
    """A wall-clock limit for one URL: when it passes, every socket the URL uses is shut down."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._ends = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.0, self._ends - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                _shut(sock)
            else:
                self._sockets.append(sock)

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for an SSLSocket: the blocked reader sees end-of-file.
    # A socket already closed has no descriptor any more (-1), so no other file can be hit.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Pins:
    """What one fetcher's connections may reach: the checked addresses of each (host, port),
    and the deadline of the URL each thread is fetching."""

    def __init__(self) -> None:
        self._pins: dict[tuple[str, int], tuple[str, ...]] = {}
        self._guard = threading.Lock()
        self._local = threading.local()

    def pin(self, host: str, port: int, addresses: Sequence[str]) -> None:
        with self._guard:
            self._pins[host_key(host, port)] = tuple(addresses)

    def addresses(self, host: str, port: int) -> tuple[str, ...]:
        with self._guard:
            return self._pins.get(host_key(host, port), ())

    @property
    def deadline(self) -> Deadline | None:
        deadline: Deadline | None = getattr(self._local, "deadline", None)
        return deadline

    @deadline.setter
    def deadline(self, value: Deadline | None) -> None:
        self._local.deadline = value

    def watch(self, sock: socket.socket | None) -> None:
        deadline = self.deadline
        if sock is not None and deadline is not None:
            deadline.watch(sock)

    def connect(self, conn: HTTPConnection) -> socket.socket:
        """A socket to one of the addresses checked for the connection's host, in their order."""
        port = int(conn.port or 0)
        addresses = self.addresses(conn.host, port)
        if not addresses:  # check_url pins every host before a request; this is a bug guard
            raise NewConnectionError(conn, f"refused: {conn.host} was not checked")
        timeout = conn.timeout if isinstance(conn.timeout, (int, float)) else None
        error: OSError | None = None
        for address in addresses:
            deadline = self.deadline
            if deadline is not None:
                if deadline.expired:
                    break
                timeout = min(timeout or deadline.seconds, deadline.remaining())
            log.debug("%s:%d: connecting to %s", conn.host, port, address)
            try:
                sock = create_connection(
                    (address, port),
                    timeout,
                    source_address=conn.source_address,
                    socket_options=conn.socket_options,
                )
            except OSError as exc:
                error = exc
                continue
            self.watch(sock)
            return sock
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out") from error
        raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error


def _pool_classes(pins: Pins) -> dict[str, type[HTTPConnectionPool]]:
    class PinnedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return pins.connect(self)

        def request(self, *args: Any, **kwargs: Any) -> None:
            pins.watch(self.sock)  # a kept-alive connection, reused for this URL
            super().request(*args, **kwargs)

    class PinnedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return pins.connect(self)

        def request(self, *args: Any, **kwargs: Any) -> None:
            pins.watch(self.sock)
            super().request(*args, **kwargs)

    class PinnedHTTPPool(HTTPConnectionPool):
        ConnectionCls = PinnedHTTPConnection

    class PinnedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = PinnedHTTPSConnection

    return {"http": PinnedHTTPPool, "https": PinnedHTTPSPool}


class PinnedAdapter(HTTPAdapter):
    """A requests adapter whose connections reach only the addresses ``pins`` holds."""

    def __init__(self, pins: Pins, **kwargs: Any) -> None:
        self.pins = pins  # before HTTPAdapter.__init__, which builds the pool manager
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.pins)
