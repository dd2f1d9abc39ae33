"""A real HTTP server on 127.0.0.1 for the pull tests: routes in, logged requests out."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NOW = datetime(2025, 5, 17, 12, 0, tzinfo=UTC)
CHECKED = "2025-05-17T12:00:00Z"


@dataclass
class Reply:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    content_length: bool = True  # False: no Content-Length, the body ends when the connection does


@dataclass
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]


Route = Reply | Callable[["Seen"], Reply]


class LoopbackServer:
    """A threaded HTTP/1.1 server; answers 304 itself when a request's validators match."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.body_bytes = 0  # bytes of bodies sent, over all requests
        self.connections = 0
        self.in_flight = 0
        self.peak_in_flight = 0  # the most requests answered at the same moment
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with owner._lock:
                    owner.connections += 1

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                owner._answer(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # clients that hang up (timeouts, size caps) are what the tests provoke

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, reply: Route) -> str:
        self.routes[path] = reply
        return self.url(path)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        seen = Seen(handler.path, {k.lower(): v for k, v in handler.headers.items()})
        with self._lock:
            self.seen.append(seen)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            self._reply(handler, seen)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _reply(self, handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        route = self.routes.get(handler.path, Reply(404, b"<title>Not here</title>"))
        reply = route(seen) if callable(route) else route
        if reply.delay:
            time.sleep(reply.delay)
        headers = dict(reply.headers)
        etag = headers.get("ETag")
        modified = headers.get("Last-Modified")
        if reply.status == 200 and (
            (etag and seen.headers.get("if-none-match") == etag)
            or (modified and seen.headers.get("if-modified-since") == modified)
        ):
            handler.send_response(304)
            for name in ("ETag", "Last-Modified"):
                if name in headers:
                    handler.send_header(name, headers[name])
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        try:
            handler.send_response(reply.status)
            for name, value in headers.items():
                handler.send_header(name, value)
            if reply.content_length:
                handler.send_header("Content-Length", str(len(reply.body)))
            else:
                handler.send_header("Connection", "close")
                handler.close_connection = True
            handler.end_headers()
            handler.wfile.write(reply.body)
            with self._lock:
                self.body_bytes += len(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client stopped reading: what a size cap does


class DripServer:
    """A raw TCP server on 127.0.0.1 that answers every request one byte per ``interval``.

    ``head`` is the status line and headers, ``body`` what follows; with ``drip_head`` the head
    drips too, otherwise it is sent at once. ``sent`` counts the bytes that left, ``requests``
    the requests that arrived. Stopping it ends every connection at once.
    """

    def __init__(
        self,
        body: bytes = b"<title>Slow</title>" * 3,
        *,
        drip_head: bool = False,
        interval: float = 1.0,
    ) -> None:
        self.head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        self.body = body
        self.drip_head = drip_head
        self.interval = interval
        self.sent = 0
        self.requests = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, path: str = "/drip") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept()
        self.listener.close()
        self.thread.join(5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = client.recv(4096)
                if not chunk:
                    return
                request += chunk
            with self._lock:
                self.requests += 1
            if not self.drip_head:
                client.sendall(self.head)
            drip = (self.head if self.drip_head else b"") + self.body
            for index in range(len(drip)):
                if self._stop.wait(self.interval):
                    return
                try:
                    client.sendall(drip[index : index + 1])
                except OSError:
                    return  # the client hung up: what a deadline does
                with self._lock:
                    self.sent += 1
