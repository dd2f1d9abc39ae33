"""Test peer: wsgidav served by cheroot on a free loopback port, a folder and a user in → a handle out.

A small WSGI layer in front plays the web server's part: the type map a host is configured with
(``types``), and faults on demand (``refuse`` a file). ``stop()``/``start()`` take it off the air.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from cheroot import wsgi
from wsgidav.wsgidav_app import WsgiDAVApp

from tests.publish.servers_ssh import free_port

USER = "editor"
PASSWORD = "correct horse battery staple"

# What a well-configured host serves (an AddType or types{} block): the table.
FEED_TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
}

StartResponse = Callable[..., Any]


@dataclass
class DavServer:
    """wsgidav over ``root``; ``types`` maps file names to the Content-Type GET/HEAD answer with."""

    root: Path
    types: dict[str, str] = field(default_factory=lambda: dict(FEED_TYPES))
    refuse: set[str] = field(default_factory=set)  # paths whose PUT or MOVE gets 403
    busy: dict[str, int] = field(default_factory=dict)  # path → how many requests get 503 first
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) as received
    port: int = 0
    server: wsgi.Server | None = None
    thread: threading.Thread | None = None

    def url(self, path: str = "/site", scheme: str = "webdav") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def app(self) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
        dav = WsgiDAVApp(
            {
                "provider_mapping": {"/": str(self.root)},
                "http_authenticator": {
                    "domain_controller": None,  # wsgidav's SimpleDomainController
                    "accept_basic": True,
                    "accept_digest": False,
                    "default_to_digest": False,
                },
                "simple_dc": {"user_mapping": {"*": {USER: {"password": PASSWORD}}}},
                "verbose": 0,
                "logging": {"enable_loggers": []},
                "lock_storage": True,
                "property_manager": True,
            }
        )

        def front(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            method = environ["REQUEST_METHOD"]
            path = unquote(environ.get("PATH_INFO", ""))
            self.requests.append((method, path))
            destination = unquote(urlsplit(environ.get("HTTP_DESTINATION", "")).path)
            if method in ("PUT", "MOVE") and ({path, destination} & self.refuse):
                start_response("403 Forbidden", [("Content-Type", "text/plain")])
                return [b"refused by the test server\n"]
            if self.busy.get(path, 0) > 0:
                self.busy[path] -= 1
                start_response("503 Service Unavailable", [("Retry-After", "0")])
                return [b""]
            name = PurePosixPath(path).name
            if method not in ("GET", "HEAD") or name not in self.types:
                return dav(environ, start_response)

            def typed(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
                return start_response(status, [*headers, ("Content-Type", self.types[name])], *rest)

            return dav(environ, typed)

        return front

    def start(self) -> None:
        # A fixed port from the start: cheroot sets SO_REUSEADDR only for those, and a restart
        # after stop() must get the same port back while old connections sit in TIME_WAIT.
        self.port = self.port or free_port()
        self.server = wsgi.Server(("127.0.0.1", self.port), self.app())
        self.server.prepare()
        self.thread = threading.Thread(target=self.server.serve, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None


@pytest.fixture
def webdav(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DavServer]:
    """A running WebDAV server for one test, with the target's credentials in the environment."""
    root = tmp_path / "dav"
    root.mkdir()
    server = DavServer(root)
    try:
        server.start()
    except OSError as exc:  # pragma: no cover - loopback always works where the tests run
        pytest.fail(f"the WebDAV test server did not start: {exc}")
    monkeypatch.setenv("FEEDPUB_WEBDAV_USER", USER)
    monkeypatch.setenv("FEEDPUB_WEBDAV_PASSWORD", PASSWORD)
    try:
        yield server
    finally:
        server.stop()
