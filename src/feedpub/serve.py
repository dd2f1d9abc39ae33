"""An output folder in, a local preview server out (127.0.0.1 only, with feed Content-Types)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from feedpub.errors import UsageError
from feedpub.load import load_settings
from feedpub.mediatypes import content_type


class PreviewHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        # The same types a publish sets, so browsers and readers see what they will get.
        return content_type(os.fspath(path))

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
