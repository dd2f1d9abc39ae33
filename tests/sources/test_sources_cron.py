"""`feedpub run -q` as cron runs it, with sources that die, recover and drip: what it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sources_server import DripServer, LoopbackServer, Reply

from feedpub.cli import main
from feedpub.sources import load_lock

SETTINGS = """\
title: Test Briefings
base_url: https://test.example.org/
timezone: UTC
since: 2025
author: {name: Test Desk}
sources: {allow_private: true, timeout: 2}
"""
ENTRY = """\
title: Entry %(id)s
published: 2025-05-01T10:00:00Z
summary: The lead cites [one][a] and [two][b].
sources:
  a: %(a)s
  b: %(b)s
"""
HTML = {"Content-Type": "text/html"}


def run_quietly(root: Path, now: str, *more: str) -> subprocess.CompletedProcess[str]:
    """``feedpub run -q`` in its own process, as cron starts it; never allowed to hang."""
    return subprocess.run(
        [sys.executable, "-m", "feedpub", "run", "-q", "--now", now, "--root", str(root), *more],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        timeout=15,
        check=False,
    )


def test_a_dead_source_is_one_line_when_it_dies_and_silence_after(
    server: LoopbackServer,
    write_pub: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = server.route("/good", Reply(body=b"<title>Good</title>", headers=HTML))
    gone = server.route("/gone", Reply(404))
    root = write_pub(entries={"one.yaml": ENTRY % {"id": "one", "a": good, "b": gone}})
    (root / "feedpub.yaml").write_text(SETTINGS, encoding="utf-8")
    log_file = tmp_path / "run.log"

    def run(now: str) -> tuple[int, str, str]:
        code = main(["run", "-q", "--now", now, "--root", str(root), "--log-file", str(log_file)])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("2025-05-17T12:00:00Z") == (
        0,
        "",
        f"source dead: {gone}: HTTP 404 Not Found (cited by one)\n",
    )
    # Fifteen minutes later nothing is due: nothing printed at all.
    assert run("2025-05-17T12:15:00Z") == (0, "", "")
    # A week later both are checked again; the dead one is still dead: that is no news.
    assert run("2025-05-25T12:00:00Z") == (0, "", "")
    assert len(server.requests_to("/gone")) == 2
    # It comes back: said in the log file, not mailed by cron.
    server.route("/gone", Reply(body=b"<title>Back</title>", headers=HTML))
    assert run("2025-06-02T12:00:00Z") == (0, "", "")
    lines = [line.split(" ", 1)[1] for line in log_file.read_text("utf-8").splitlines()]
    assert [line for line in lines if " source " in line] == [
        f"WARNING source dead: {gone}: HTTP 404 Not Found (cited by one)",
        f"INFO source ok again: {gone}",
    ]
    assert not any("SourceRecord(" in line for line in lines)


@pytest.fixture
def drip() -> Iterator[DripServer]:
    instance = DripServer()
    yield instance
    instance.stop()


def test_a_source_dripping_one_byte_a_second_does_not_hold_run(
    server: LoopbackServer, drip: DripServer, write_pub: Callable[..., Path]
) -> None:
    good = server.route("/good", Reply(body=b"<title>Good</title>", headers=HTML))
    root = write_pub(entries={"one.yaml": ENTRY % {"id": "one", "a": good, "b": drip.url()}})
    (root / "feedpub.yaml").write_text(SETTINGS, encoding="utf-8")
    done = run_quietly(root, "2025-05-17T12:00:00Z")  # raises TimeoutExpired if held
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "",
        f"source dead: {drip.url()}: timed out after 2 s (cited by one)\n",
    )
    assert load_lock(root / "sources.lock")[drip.url()].error == "timed out after 2 s"
    assert (root / "public" / "index.html").is_file()  # the build went on
