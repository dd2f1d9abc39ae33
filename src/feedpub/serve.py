"""An output folder in, a local preview server out (127.0.0.1 only, with feed Content-Types)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from feedpub.errors import UsageError
from feedpub.load import load_settings
from feedpub.mediatypes import content_type

NOT_FOUND_PAGE = "404.html"


class PreviewHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        # The same types a publish sets, so browsers and readers see what they will get.
        return content_type(os.fspath(path))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # A missing file gets the site's own 404 page, as the README shows hosts how to set up.
        page = Path(self.directory) / NOT_FOUND_PAGE
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(code, message)
        self.send_header("Content-Type", content_type(NOT_FOUND_PAGE))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(output: Path, port: int) -> ThreadingHTTPServer:
    handler = functools.partial(PreviewHandler, directory=str(output))
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from exc


def serve_output(
    root: Path, *, port: int, build_first: bool, now: datetime | None, say: Callable[[str], None]
) -> None:
    settings = load_settings(root)
    if build_first:
        from feedpub.pipeline import build

        say(build(root, now=now).summary())
    if not settings.output.is_dir():
        raise UsageError(f"{settings.output} does not exist; run 'feedpub build' first")
    server = make_server(settings.output, port)
    say(f"serving {settings.output} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
