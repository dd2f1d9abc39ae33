"""An output folder in, a local preview server out (127.0.0.1 only, with feed Content-Types):
rebuilt when the publication changes, its HTML pages reloading themselves after each build."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from feedpub.errors import UsageError
from feedpub.livereload import RELOAD_PATH, Builds, inject, watch
from feedpub.load import load_settings
from feedpub.mediatypes import content_type

NOT_FOUND_PAGE = "404.html"


class PreviewHandler(SimpleHTTPRequestHandler):
    builds: Builds | None = None  # set: HTML pages get the reload script

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if self.builds is not None and parts.path == RELOAD_PATH:
            self.answer_reload(parse_qs(parts.query).get("since", [""])[0])
            return
        page = self.html_file(parts.path)
        if self.builds is None or page is None:
            super().do_GET()
            return
        self.send_page(HTTPStatus.OK, page.read_bytes())

    def html_file(self, url_path: str) -> Path | None:
        """The HTML file a GET of ``url_path`` serves (a folder's index.html), if any."""
        found = Path(self.translate_path(url_path))
        if found.is_dir():
            if not url_path.endswith("/"):
                return None  # the base class redirects to the address with a slash
            found = found / "index.html"
        return found if found.suffix == ".html" and found.is_file() else None

    def send_page(self, code: int, body: bytes) -> None:
        if self.builds is not None:
            body = inject(body, self.builds.script())
        self.send_response(code)
        self.send_header("Content-Type", content_type("index.html"))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def answer_reload(self, since: str) -> None:
        assert self.builds is not None
        number = self.builds.wait(int(since) if since.isdigit() else -1)
        body = str(number).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        # The same types a publish sets, so browsers and readers see what they will get.
        return content_type(os.fspath(path))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # A missing file gets the site's own 404 page, as the README shows hosts how to set up.
        page = Path(self.directory) / NOT_FOUND_PAGE
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            super().send_error(code, message, explain)
            return
        self.send_page(code, page.read_bytes())

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(output: Path, port: int, builds: Builds | None = None) -> ThreadingHTTPServer:
    """A server of ``output`` on 127.0.0.1:``port``; with ``builds``, HTML answers carry the
    script that reloads the page after the next build."""
    handler_class = type("Handler", (PreviewHandler,), {"builds": builds})
    handler = functools.partial(handler_class, directory=str(output))
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from exc


def serve_output(
    root: Path,
    *,
    port: int,
    build_first: bool,
    now: datetime | None,
    say: Callable[[str], None],
    warn: Callable[[str], None] | None = None,
    live: bool = True,
) -> None:
    """Serve the output; with ``live``, rebuild on every change to the publication and make
    open pages reload themselves."""
    settings = load_settings(root)
    if build_first:
        from feedpub.pipeline import build

        say(build(root, now=now).summary())
    if not settings.output.is_dir():
        raise UsageError(f"{settings.output} does not exist; run 'feedpub build' first")
    builds = Builds() if live else None
    server = make_server(settings.output, port, builds)
    stop = threading.Event()
    if builds is not None:
        watcher = threading.Thread(
            target=watch,
            args=(root, builds),
            kwargs={"now": now, "say": say, "warn": warn or say, "stop": stop},
            daemon=True,
        )
        watcher.start()
    say(f"serving {settings.output} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
