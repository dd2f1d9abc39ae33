"""``feedpub validate`` end to end: files, the last build, URLs on a loopback server, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from feedpub.cli import main

CORPUS = Path(__file__).parent / "corpus"
VALID = CORPUS / "rss" / "rss-valid-minimal.xml"
INVALID = CORPUS / "rss" / "rss-channel-missing-title.xml"
WARNS = CORPUS / "rss" / "rss-item-no-guid.xml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_file_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(VALID))
    assert code == 0
    assert out == "1 feed checked: 0 errors, 0 warnings (valid)\n"


def test_errors_exit_one_with_positions(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copy(INVALID, tmp_path / "rss.xml")
    code, out, _ = run(capsys, str(tmp_path / "rss.xml"))
    assert code == 1
    assert out.splitlines() == [
        f"{tmp_path / 'rss.xml'}:4: error: <channel> has no <title>; add one (the feed's name) "
        "[missing-element]",
        "1 feed checked: 1 error, 0 warnings (failed)",
    ]


def test_strict_counts_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(WARNS))[0] == 0
    assert run(capsys, "--strict", str(WARNS))[0] == 1


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json", str(VALID), str(WARNS))
    assert code == 0
    (line,) = out.splitlines()
    assert json.loads(line) == {
        "file": str(WARNS),
        "line": 9,
        "column": None,
        "level": "warning",
        "code": "missing-guid",
        "message": "<item> has no <guid>; readers cannot tell it apart from others; add one",
    }


def test_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "no/such/feed.xml")
    assert code == 2
    assert "no/such/feed.xml: no such file" in err
    assert "Traceback" not in err


def test_not_a_feed_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<html><body>hello</body></html>")
    code, _, err = run(capsys, str(page))
    assert code == 2
    assert "is not an RSS 2.0, Atom 1.0 or JSON feed" in err


def test_no_targets_validates_the_last_build(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "public" / "all").mkdir(parents=True)
    (tmp_path / "public" / "news").mkdir(parents=True)
    shutil.copy(VALID, tmp_path / "public" / "all" / "rss.xml")
    shutil.copy(INVALID, tmp_path / "public" / "news" / "rss.xml")
    code, out, _ = run(capsys, "--root", str(tmp_path))
    assert code == 1
    assert out.splitlines() == [
        "public/news/rss.xml:4: error: <channel> has no <title>; add one (the feed's name) "
        "[missing-element]",
        "2 feeds checked: 1 error, 0 warnings (failed)",
    ]


def test_no_build_yet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--root", str(tmp_path))
    assert code == 2
    assert "no feeds found under public/" in err


def test_url_is_fetched_and_validated(
    capsys: pytest.CaptureFixture[str], httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        INVALID.read_bytes(), content_type="application/rss+xml"
    )
    url = httpserver.url_for("/feed.xml")
    code, out, _ = run(capsys, url)
    assert code == 1
    assert out.splitlines()[0].startswith(f"{url}:4: error: <channel> has no <title>")


def test_http_error_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/gone.xml").respond_with_data("gone", status=404)
    code, _, err = run(capsys, httpserver.url_for("/gone.xml"))
    assert code == 2
    assert "HTTP 404" in err
