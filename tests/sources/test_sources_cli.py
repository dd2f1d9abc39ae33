"""`feedpub pull` and `feedpub sources` on a written publication: exact output and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sources_server import CHECKED, LoopbackServer, Reply

from feedpub.cli import main
from feedpub.sources import load_lock

SETTINGS = """\
title: Test Briefings
base_url: https://test.example.org/
timezone: UTC
since: 2025
author: {name: Test Desk}
sources: {allow_private: %s, timeout: 5}
"""
ENTRY = """\
title: Entry %(id)s
published: 2025-05-01T10:00:00Z
summary: The lead cites [one][a].
sources:
  a: %(a)s
  b: %(b)s
"""
HTML = {"Content-Type": "text/html"}


@pytest.fixture
def pub(
    server: LoopbackServer, write_pub: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> Path:
    good = server.route("/good", Reply(body=b"<title>Good page</title>", headers=HTML))
    gone = server.route("/gone", Reply(404))
    server.route("/new", Reply(body=b"<title>New</title>", headers=HTML))
    moved = server.route("/old", Reply(301, headers={"Location": "/new"}))
    root = write_pub(
        entries={
            "one.yaml": ENTRY % {"id": "one", "a": good, "b": gone},
            "two.yaml": ENTRY
            % {"id": "two", "a": good.upper().replace("/GOOD", "/good"), "b": moved},
        },
        settings=SETTINGS % "true",
    )
    monkeypatch.chdir(root)
    return root


def test_pull_prints_problems_and_summary(
    pub: Path, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["pull", "--now", "2025-05-17T12:00:00Z"])
    out, err = capsys.readouterr()
    gone, old, new = server.url("/gone"), server.url("/old"), server.url("/new")
    u, d = len(gone), len(f"→ {new}")  # columns are as wide as their widest cell
    assert (code, err) == (0, "")
    assert out == (
        f"STATE  STATUS  {'URL':{u}}  {'DETAIL':{d}}  CITED BY\n"
        f"dead   404     {gone:{u}}  {'HTTP 404 Not Found':{d}}  one\n"
        f"moved  200     {old:{u}}  {'→ ' + new:{d}}  two\n"
        "2 fetched, 0 unchanged, 1 dead, 1 moved\n"
    )
    assert sorted(load_lock(pub / "sources.lock")) == sorted([server.url("/good"), gone, old])
    assert load_lock(pub / "sources.lock")[server.url("/good")].checked == CHECKED


def test_pull_strict_fails_on_a_dead_source_and_quiet_prints_only_problems(
    pub: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pull", "--strict", "--quiet"]) == 1
    out, _ = capsys.readouterr()
    assert out.splitlines()[0].startswith("STATE  STATUS  URL")
    assert "fetched" not in out
    # Fresh now: nothing is fetched again, the dead link still fails --strict.
    assert main(["pull", "--strict"]) == 1
    assert capsys.readouterr().out.endswith(
        "0 fetched, 0 unchanged, 0 dead, 0 moved, 3 still fresh\n"
    )


def test_sources_lists_every_cited_url(
    pub: Path, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["sources"])
    before = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in before[1:]] == ["new", "new", "new"]
    main(["pull", "--now", "2025-05-17T12:00:00Z"])
    capsys.readouterr()
    assert main(["sources"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split("  ") for line in lines]
    cells = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    assert cells == [
        ["URL", "STATE", "STATUS", "TITLE", "CHECKED", "CITED BY"],
        [server.url("/gone"), "dead", "404", CHECKED, "one"],
        [server.url("/good"), "ok", "200", "Good page", CHECKED, "one, two"],
        [server.url("/old"), "moved", "200", "New", CHECKED, "two"],
    ]
    main(["sources", "--problems"])
    assert "/good" not in capsys.readouterr().out


def test_sources_json_lists_every_cited_url_with_its_record(
    pub: Path, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["pull", "--now", "2025-05-17T12:00:00Z"])
    capsys.readouterr()
    assert main(["sources", "--format", "json", "--problems"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "sources": [
            {
                "url": server.url("/gone"),
                "state": "dead",
                "status": 404,
                "title": None,
                "checked": CHECKED,
                "moved_to": None,
                "error": "HTTP 404 Not Found",
                "cited_by": ["one"],
            },
            {
                "url": server.url("/old"),
                "state": "moved",
                "status": 200,
                "title": "New",
                "checked": CHECKED,
                "moved_to": report["sources"][1]["moved_to"],
                "error": None,
                "cited_by": ["two"],
            },
        ]
    }
    assert report["sources"][1]["moved_to"].endswith("/new")


def test_loopback_is_refused_when_settings_do_not_allow_it(
    pub: Path, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (pub / "feedpub.yaml").write_text(SETTINGS % "false", encoding="utf-8")
    assert main(["pull", "--strict"]) == 1
    out = capsys.readouterr().out
    assert out.count("refused: 127.0.0.1 is a private or loopback address") == 3
    assert server.seen == []
    assert main(["pull", "--allow-private", "--all"]) == 0
    assert len(server.seen) > 0


def test_corrupt_lock_is_reported_with_its_line_and_kept(
    pub: Path, server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = '{\n  "version": 1,\n  "sources": {\n    "https://x/": {"state": "ok",}\n  }\n}\n'
    (pub / "sources.lock").write_text(broken, encoding="utf-8")
    assert main(["pull"]) == 1
    _, err = capsys.readouterr()
    assert err == (
        "sources.lock:4:34: error: not valid JSON: Expecting property name enclosed in double quotes\n"
        "feedpub: sources.lock is corrupt; fix it or delete it (then `feedpub pull` rebuilds it)\n"
    )
    assert (pub / "sources.lock").read_text(encoding="utf-8") == broken
    assert server.seen == []
    assert main(["sources"]) == 1
