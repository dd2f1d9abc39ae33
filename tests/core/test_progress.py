"""build's progress bar: on a terminal only, after the build has run a while, never under -q."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from feedpub.cliformat import BuildProgress

NOW = "2026-01-01T00:00:00Z"
# PROGRESS_AFTER set to 0: every build counts as a long one.
SCRIPT = (
    "import sys, feedpub.cli as c, feedpub.cliformat as f; f.PROGRESS_AFTER = 0; "
    "raise SystemExit(c.main(sys.argv[1:]))"
)


def run_on_terminal(args: list[str], *, terminal: bool = True) -> tuple[int, str]:
    """Run feedpub with stdout and stderr on a new pseudo-terminal (or a pipe); exit code, output."""
    if not terminal:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, timeout=60
        )
        return done.returncode, done.stdout + done.stderr
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, *args],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
        )
        os.close(slave)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = proc.wait(timeout=60)
    finally:
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_a_long_build_on_a_terminal_shows_each_stage(mini: Path) -> None:
    code, out = run_on_terminal(["build", "--root", str(mini), "--now", NOW])
    assert code == 0
    assert "reading entries" in out and "writing" in out and "100%" in out
    assert "built 2 feeds from 2 entries" in out  # the summary still follows


def test_no_bar_under_quiet_or_without_a_terminal(mini: Path) -> None:
    code, out = run_on_terminal(["-q", "build", "--root", str(mini), "--now", NOW])
    assert (code, out) == (0, "")
    code, out = run_on_terminal(
        ["build", "--force", "--root", str(mini), "--now", NOW], terminal=False
    )
    assert code == 0 and "reading entries" not in out and "%" not in out


def test_a_quick_build_shows_no_bar(capsys: pytest.CaptureFixture[str]) -> None:
    now = [0.0]
    bar = BuildProgress(clock=lambda: now[0])
    bar("reading entries", 1, 10)
    assert bar.bar is None
    now[0] = 5.0
    bar("reading entries", 2, 10)
    assert bar.bar is not None and bar.bar.pos == 2
    bar("writing", 10, 10)
    assert bar.stage == "writing" and bar.bar.pos == 10
    bar.finish()
    assert bar.bar is None
