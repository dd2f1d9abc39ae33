"""Fixtures for the sources tests: a loopback server per test, a lock path, fast options."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sources_server import LoopbackServer

from feedpub.sources import PullOptions


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A fresh loopback server per test; under CI=true a server that cannot start fails the test."""
    try:
        instance = LoopbackServer()
    except OSError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"cannot start an HTTP server on 127.0.0.1: {exc}")
    yield instance
    instance.stop()


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    return tmp_path / "sources.lock"


@pytest.fixture
def options() -> PullOptions:
    """Tiny limits so failure cases are fast; loopback allowed (the test server lives there)."""
    return PullOptions(timeout=0.5, max_bytes=20_000, allow_private=True, workers=8)
