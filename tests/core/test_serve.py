"""`feedpub serve`'s preview server: the output over HTTP on loopback, with feed Content-Types."""

from __future__ import annotations

import threading
from pathlib import Path

import requests

from feedpub.pipeline import build
from feedpub.serve import make_server
from tests.conftest import NOW


def test_preview_serves_output_with_feed_types(mini: Path) -> None:
    build(mini, now=NOW)
    (mini / "public/data.json").write_text("{}\n")  # only feed.json is a JSON Feed
    server = make_server(mini / "public", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        expected = {
            "all/rss.xml": "application/rss+xml; charset=utf-8",
            "all/atom.xml": "application/atom+xml; charset=utf-8",
            "all/feed.json": "application/feed+json; charset=utf-8",
            "entries/talks.html": "text/html; charset=utf-8",
            "style.css": "text/css",
            "data.json": "application/json; charset=utf-8",
        }
        for path, media_type in expected.items():
            answer = requests.get(base + path, timeout=5)
            assert answer.status_code == 200, path
            assert answer.headers["Content-Type"] == media_type
            assert answer.content == (mini / "public" / path).read_bytes()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_preview_answers_a_missing_page_with_the_sites_404_page(mini: Path) -> None:
    (mini / "static").mkdir()
    (mini / "static" / "404.html").write_text("<h1>Not here</h1>", encoding="utf-8")
    build(mini, now=NOW)
    server = make_server(mini / "public", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        for path in ("nothing.html", "entries/gone.html", "deep/er/path/"):
            answer = requests.get(base + path, timeout=5)
            assert answer.status_code == 404, path
            assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
            assert answer.text == "<h1>Not here</h1>"
        assert requests.head(base + "nothing.html", timeout=5).status_code == 404
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
