"""`search: true`: a Pagefind index built with the site, deterministic, with the right headers;
a clear error when Pagefind is missing."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from feedpub.cli import main
from feedpub.mediatypes import content_type
from feedpub.pipeline import build
from feedpub.publish.plan import cache_control
from feedpub.search import pagefind_binary
from tests.conftest import NOW
from tests.needs import unavailable


def with_search(root: Path) -> Path:
    settings = root / "feedpub.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "search: true\n", encoding="utf-8")
    return root


def index_files(output: Path) -> dict[str, bytes]:
    folder = output / "pagefind"
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def needs_pagefind() -> None:
    if pagefind_binary() is None:
        unavailable("Pagefind is not installed (the search extra: make install)")


@pytest.mark.usefixtures("needs_pagefind")
def test_search_builds_a_deterministic_index(tmp_path: Path, mini: Path) -> None:
    build(with_search(mini), now=NOW)
    first = index_files(mini / "public")
    assert {"pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json"} <= set(first)
    assert any(name.startswith("wasm.") and name.endswith(".pagefind") for name in first)
    assert any(name.startswith("fragment/") for name in first)
    # Only the entry pages are indexed (they carry data-pagefind-body): not the listings.
    assert json.loads(first["pagefind-entry.json"])["languages"]["en"]["page_count"] == 2
    search_page = (mini / "public" / "search.html").read_text(encoding="utf-8")
    assert '<script src="pagefind/pagefind-ui.js"></script>' in search_page
    home = (mini / "public" / "index.html").read_text(encoding="utf-8")
    assert '<form class="search" role="search" action="search.html" method="get">' in home
    # A second publication from the same input, built on its own: byte-identical index.
    other = tmp_path / "again"
    mini.rename(other)
    (other / "public").rename(tmp_path / "first-public")
    build(other, now=NOW, force=True)
    assert index_files(other / "public") == first
    # And a forced rebuild in place rewrites nothing.
    assert build(other, now=NOW, force=True).written == 0


def test_search_without_pagefind_is_an_input_error_naming_the_extra(
    mini: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As on a machine without the extra: neither wheel importable, nothing on PATH.
    monkeypatch.setitem(sys.modules, "pagefind_bin_extended", None)
    monkeypatch.setitem(sys.modules, "pagefind_bin", None)
    monkeypatch.setenv("PATH", str(mini / "no-programs-here"))
    with_search(mini)
    line = (mini / "feedpub.yaml").read_text(encoding="utf-8").splitlines().index("search: true")
    code = main(["--root", str(mini), "build", "--now", "2026-01-01"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        f"feedpub.yaml:{line + 1}:9: error: search: true needs Pagefind, which is not installed; "
        "install the search extra: pip install 'feedpub[search]'\n"
        "feedpub: Pagefind is missing; nothing was built\n"
    )
    assert not (mini / "public").exists()


def test_search_must_be_true_or_false(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = mini / "feedpub.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "search: yes please\n")
    code = main(["--root", str(mini), "build"])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "error: search: expected true or false, got 'yes please'" in err


def test_index_files_get_their_content_types_and_caching() -> None:
    assert content_type("pagefind/wasm.en.pagefind") == "application/wasm"
    assert content_type("pagefind/wasm.unknown.pagefind") == "application/wasm"
    for name in (
        "pagefind/pagefind.en_98f447462f.pf_meta",
        "pagefind/index/en_b01c92a.pf_index",
        "pagefind/fragment/en_3037fa2.pf_fragment",
        "pagefind/filter/en_1a2b3c4.pf_filter",
    ):
        assert content_type(name) == "application/octet-stream"
    assert content_type("pagefind/pagefind.js") == "text/javascript; charset=utf-8"
    assert content_type("pagefind/pagefind-entry.json") == "application/json; charset=utf-8"
    # The entry file names the current index files: it must not be cached for a day.
    assert cache_control("pagefind/pagefind-entry.json") == "public, max-age=300"
    assert cache_control("pagefind/index/en_b01c92a.pf_index") == "public, max-age=86400"


def test_pagefind_lookup_falls_back_to_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pagefind_bin_extended", None)
    monkeypatch.setitem(sys.modules, "pagefind_bin", None)
    program = tmp_path / "pagefind"
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + "/nonexistent")
    assert pagefind_binary() == program
