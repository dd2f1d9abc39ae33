"""Fixtures every publish test may use: an output folder writer, moto S3, a bare git repository, a WebSub hub."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.publish.servers_s3 import S3Server


def server_unavailable(reason: str) -> None:
    """Skip on a developer machine; fail under CI, where every server must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Throwaway credentials through the standard chain (environment), no user config read."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFEEDPUBTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "feedpub-secret-never-printed")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def s3(aws_env: None) -> Iterator[S3Server]:
    try:
        server = S3Server()
        server.start()
    except (ImportError, OSError) as exc:
        server_unavailable(f"cannot start moto's S3 server: {exc}")
    yield server
    server.stop()


@pytest.fixture
def bare_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "site.git"
    try:
        subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        server_unavailable(f"git is not usable: {exc}")
    return repo


@dataclass
class Hub:
    """A WebSub hub on loopback that records each publish ping; ``statuses`` are answered first."""

    url: str = ""
    pings: list[dict[str, list[str]]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def hub() -> Iterator[Hub]:
    state = Hub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            status = state.statuses.pop(0) if state.statuses else 204
            if status == 204:
                state.pings.append(form)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)
