"""Browser fixtures: Debian's Chromium driven by Playwright (one browser per test session), a
publication served by `feedpub serve` on a free loopback port, and a screenshot folder.

Playwright's own browser downloads are never used (`playwright install` is not needed): the
system Chromium at /usr/bin/chromium is the browser. When it cannot start, browser tests fail
under CI=true and skip with the reason elsewhere.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import SCREENSHOTS_VARIABLE
from tests.needs import unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("FEEDPUB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVE_TIMEOUT = 60.0  # seconds for `feedpub serve` to build and listen (a loaded 2-core CI box)
_SERVING = re.compile(r"on (http://127\.0\.0\.1:\d+/) \(Ctrl-C stops\)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session (each test gets its own context)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("playwright is not installed (it is in the dev extra: make install)")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (make system-deps installs Debian's chromium)")
    manager = sync_playwright().start()
    try:
        # launch() gives every browser a fresh temporary user-data-dir of its own.
        launched = manager.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000
        )
    except Error as exc:
        manager.stop()
        unavailable(f"{CHROMIUM} did not start: {str(exc).splitlines()[0]}")
    try:
        yield launched
    finally:
        launched.close()
        manager.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context (no cookies or storage from other tests), 1280×800."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where screenshots go: $FEEDPUB_SCREENSHOTS (tests/conftest.py makes a new folder for
    each run and prints it at the end)."""
    folder = Path(os.environ[SCREENSHOTS_VARIABLE])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


Shoot = Callable[["Page", str], Path]


@pytest.fixture
def shoot(screenshot_dir: Path) -> Shoot:
    """``shoot(page, "home-390")`` saves a full-page PNG and returns its path."""

    def take(target: Page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        target.screenshot(path=str(path), full_page=True)
        return path

    return take


@dataclass
class Served:
    """A running `feedpub serve`: its base URL (ends with "/") and the process."""

    url: str
    process: subprocess.Popen[str]
    output: list[str]


Serve = Callable[..., Served]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve(root, "--now", "2026-01-01")`` runs `feedpub serve --port 0` on the publication
    (building it first) and returns once it listens; stopped at teardown."""
    running: list[Served] = []

    def start(root: Path, *args: str) -> Served:
        command = [sys.executable, "-m", "feedpub", "--root", str(root), "serve", "--port", "0"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            [*command, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        lines: list[str] = []
        found = threading.Event()
        served = Served(url="", process=process, output=lines)
        running.append(served)

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                match = _SERVING.search(line)
                if match and not found.is_set():
                    served.url = match.group(1)
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        found.wait(SERVE_TIMEOUT)
        if not served.url:
            process.kill()
            pytest.fail("feedpub serve did not start:\n" + "\n".join(lines))
        return served

    yield start
    for served in running:
        served.process.terminate()
        try:
            served.process.wait(10)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait(10)
