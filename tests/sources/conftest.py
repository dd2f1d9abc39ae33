"""Fixtures for the sources tests: a loopback server per test, a lock path, fast options, and a
guard that keeps every connection on this machine."""

from __future__ import annotations

import errno
import ipaddress
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    """Small limits; a timeout a busy machine never reaches by accident; loopback allowed."""
    return PullOptions(timeout=5, max_bytes=20_000, allow_private=True, workers=8)


class Outbound:
    """Connections the code under test tried to open to addresses off this machine.

    An audit hook sees every ``socket.connect`` of the process (the real call, in any thread);
    while a test runs, one to a non-loopback address is recorded and refused, as a firewall
    would: tests never reach the internet, and can tell where a connection was going.
    """

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []
        self.active = False
        self._lock = threading.Lock()

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "socket.connect" or not self.active:
            return
        address = args[1]
        if not isinstance(address, tuple):
            return  # a Unix socket
        try:
            loopback = ipaddress.ip_address(str(address[0]).split("%", 1)[0]).is_loopback
        except ValueError:
            return
        if not loopback:
            with self._lock:
                self.attempts.append((str(address[0]), int(address[1])))
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")


OUTBOUND = Outbound()
sys.addaudithook(OUTBOUND.hook)  # hooks cannot be removed; it does nothing between tests


@pytest.fixture(autouse=True)
def outbound() -> Iterator[Outbound]:
    OUTBOUND.attempts.clear()
    OUTBOUND.active = True
    yield OUTBOUND
    OUTBOUND.active = False
