"""Test peer: moto's S3 server over real HTTP on a free loopback port, with fault injection.

The server is moto's WSGI app behind a thin middleware that can refuse PUTs of chosen keys,
so a test can make one file fail mid-publish. Objects live in moto's in-process backend,
so a server stopped and started again on the same port still holds them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

StartResponse = Callable[..., Any]


@dataclass
class S3Server:
    """A running moto S3 endpoint; ``refuse`` holds object keys whose PUT gets ``refuse_status``."""

    port: int = 0
    refuse: set[str] = field(default_factory=set)
    refuse_status: int = 403
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    # Object PUTs in the order they started and ended: ("start" | "end", key); and the most
    # that were in the server at once. No clock: only the order of events counts.
    events: list[tuple[str, str]] = field(default_factory=list)
    most_at_once: int = 0
    expect: dict[str, str] = field(default_factory=dict)  # object key → its PUT's Expect header
    _active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: BaseWSGIServer | None = None
    thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        moto = DomainDispatcherApplication(create_backend_app)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise

        def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
            self.requests.append((method, path))
            key = path.split("/", 2)[-1] if path.count("/") >= 2 else ""
            if method == "PUT" and key in self.refuse:
                code = "AccessDenied" if self.refuse_status == 403 else "InternalError"
                body = (
                    f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
                    f"<Message>refused by the test</Message></Error>"
                ).encode()
                start_response(
                    f"{self.refuse_status} Refused",
                    [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
                )
                return [body]
            counted = method == "PUT" and bool(key) and "HTTP_X_AMZ_COPY_SOURCE" not in environ
            if counted:
                with self._lock:
                    self.expect[key] = environ.get("HTTP_EXPECT", "")
                    self._active += 1
                    self.most_at_once = max(self.most_at_once, self._active)
                    self.events.append(("start", key))
            try:
                result: Iterable[bytes] = list(moto(environ, start_response))
            finally:
                if counted:
                    with self._lock:
                        self._active -= 1
                        self.events.append(("end", key))
            return result

        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.thread is not None:
            self.thread.join(5)
            self.thread = None

    def listings(self, bucket: str) -> int:
        """How many object listings (GET on the bucket itself) the server answered."""
        return sum(
            1 for m, path in self.requests if m == "GET" and path.rstrip("/") == f"/{bucket}"
        )

    def puts(self) -> list[str]:
        """Paths of every PUT so far (bucket creation included)."""
        return [path for method, path in self.requests if method == "PUT"]
