"""Fixtures shared by every test module: publications written into tmp folders."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

SETTINGS = """\
title: Test Briefings
base_url: https://test.example.org/
timezone: UTC
since: 2025
author: {name: Test Desk}
"""
FEED = "title: Everything\n"
ENTRY = """\
title: An entry
published: 2025-05-01T10:00:00Z
summary: The lead.
"""

WritePub = Callable[..., Path]
SCREENSHOTS_VARIABLE = "FEEDPUB_SCREENSHOTS"


def pytest_configure(config: pytest.Config) -> None:
    """One screenshot folder per test run, shared with pytest-xdist's workers (they inherit
    the environment): $FEEDPUB_SCREENSHOTS when set, else a new temporary folder."""
    if not os.environ.get(SCREENSHOTS_VARIABLE):
        os.environ[SCREENSHOTS_VARIABLE] = tempfile.mkdtemp(prefix="feedpub-screenshots-")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the screenshot folder when browser tests ran."""
    ran = any(
        getattr(report, "nodeid", "").startswith("tests/browser/")
        for reports in terminalreporter.stats.values()
        for report in reports
    )
    if ran:
        terminalreporter.write_line(f"browser screenshots: {os.environ[SCREENSHOTS_VARIABLE]}")


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of tests/data/mini, the publication the golden files pin."""
    root = tmp_path / "mini"
    shutil.copytree(DATA / "mini", root)
    return root


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the repository's own sample publication."""
    root = tmp_path / "sample"
    root.mkdir()
    shutil.copy(REPO / "feedpub.yaml", root)
    shutil.copytree(REPO / "feeds", root / "feeds")
    shutil.copytree(REPO / "entries", root / "entries")
    shutil.copytree(REPO / "static", root / "static")
    if (REPO / "sources.lock").exists():
        shutil.copy(REPO / "sources.lock", root)
    return root


@pytest.fixture
def write_pub(tmp_path: Path) -> WritePub:
    """Write a publication: ``write_pub(entries={"a.yaml": text}, feeds=..., settings=...)``."""

    def write(
        entries: dict[str, str | bytes] | None = None,
        feeds: dict[str, str] | None = None,
        settings: str = SETTINGS,
    ) -> Path:
        root = tmp_path / "pub"
        root.mkdir(exist_ok=True)
        (root / "feedpub.yaml").write_text(settings, encoding="utf-8")
        for folder, files in (
            ("feeds", feeds or {"all.yaml": FEED}),
            ("entries", entries or {"a.yaml": ENTRY}),
        ):
            for name, text in files.items():
                path = root / folder / name
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(text, bytes):
                    path.write_bytes(text)
                else:
                    path.write_text(text, encoding="utf-8")
        return root

    return write
