"""`feedpub serve`'s preview server: the output over HTTP on loopback, with feed Content-Types."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from feedpub.livereload import RELOAD_PATH, Builds, inject, watch
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


def test_preview_pages_carry_the_reload_script_and_the_output_never_does(mini: Path) -> None:
    build(mini, now=NOW)
    output = mini / "public"
    builds = Builds()
    server = make_server(output, 0, builds)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        for path in ("", "index.html", "all/", "entries/talks.html", "nothing.html"):
            answer = requests.get(base + path, timeout=5)
            assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
            assert answer.text.count(RELOAD_PATH) == 1, path
            assert answer.text.index(RELOAD_PATH) < answer.text.index("</body>")
        talks = requests.get(base + "entries/talks.html", timeout=5).content
        assert talks == inject((output / "entries/talks.html").read_bytes(), builds.script())
        assert requests.get(base + "all", timeout=5, allow_redirects=False).status_code == 301
        assert (
            requests.get(base + "all/rss.xml", timeout=5).content
            == (output / "all/rss.xml").read_bytes()
        )
        # the reload request waits for the next build and answers with its number
        answers: list[str] = []
        waiting = threading.Thread(
            target=lambda: answers.append(
                requests.get(base + RELOAD_PATH.lstrip("/") + "?since=0", timeout=30).text
            )
        )
        waiting.start()
        builds.bump()
        waiting.join(30)
        assert answers == ["1"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    for path in output.rglob("*"):
        assert not path.is_file() or b"__feedpub" not in path.read_bytes(), path


@pytest.mark.parametrize("watcher", ["watchfiles", "polling"])
def test_a_changed_entry_is_rebuilt_while_serving(
    mini: Path, watcher: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if watcher == "polling":
        monkeypatch.setitem(sys.modules, "watchfiles", None)  # import fails: poll instead
    build(mini, now=NOW)
    builds = Builds()
    said: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(mini, builds),
        kwargs={"now": NOW, "say": said.append, "warn": said.append, "stop": stop},
        daemon=True,
    )
    thread.start()
    try:
        time.sleep(1)  # the watcher is watching
        talks = mini / "entries" / "2025" / "talks.yaml"
        talks.write_text(talks.read_text().replace("Talks resume", "Talks resume in Geneva"))
        assert builds.wait(0, timeout=40) == 1, said
        page = (mini / "public" / "entries" / "talks.html").read_text()
        assert "<h1>Talks resume in Geneva</h1>" in page
        assert said[-1].startswith("built 2 feeds from 2 entries into public/: ")
        # a broken entry: its problem is reported, the output stays, no reload
        talks.write_text(talks.read_text() + "tagz: [x]\n")
        deadline = time.monotonic() + 40
        while not any("tagz" in line for line in said) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert any(line.startswith("entries/2025/talks.yaml:") and "tagz" in line for line in said)
        assert builds.number == 1
    finally:
        stop.set()
        thread.join(10)
