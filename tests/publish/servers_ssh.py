"""Test peer: Debian's sshd on a free loopback port, throwaway keys in → an `SshServer` handle out.

Test modules bind the fixture by name: ``sshd = servers_ssh.sshd``.
Without sshd a test skips with the reason, except under ``CI=true`` where it fails.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"
PRIVSEP_DIR = Path("/run/sshd")  # sshd refuses to start without it


def unavailable(reason: str) -> None:
    """Skip on a developer machine; fail under CI, where the server must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (sshd forks one per connection; they outlive a TERM)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name in parentheses may hold spaces; the parent pid follows it.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    found = children(pid)
    for child in list(found):
        found += descendants(child)
    return found


def keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "feedpub-test", "-f", str(path)],
        check=True,
        capture_output=True,
    )


@dataclass
class SshServer:
    """One sshd process; ``stop()``/``start()`` let a test cut the connection mid-publish."""

    home: Path  # keys, config, logs
    root: Path  # the folder targets publish into
    port: int
    user: str
    client_key: Path
    known_hosts: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def config_file(self) -> Path:
        return self.home / "sshd_config"

    def url(self, scheme: str = "sftp", path: Path | None = None) -> str:
        return f"{scheme}://{self.user}@127.0.0.1:{self.port}{path or self.root}"

    def options(self) -> dict[str, object]:
        return {"key_file": str(self.client_key), "known_hosts": str(self.known_hosts)}

    def start(self) -> None:
        log = (self.home / "sshd.log").open("ab")
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.config_file)],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                text = (self.home / "sshd.log").read_text(errors="replace").strip()
                self.process = None
                unavailable(f"sshd exited at start: {text}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(8).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.02)
        self.stop()
        unavailable("sshd did not answer within 10 s")

    def drop_sessions(self) -> None:
        """End every open connection but keep listening: a network blip, not an outage."""
        if self.process is not None:
            for child in descendants(self.process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)

    def stop(self) -> None:
        """Stop listening and end every open session, as a server going down would."""
        if self.process is not None:
            # Sessions first, found before the listener goes (then they would belong to init).
            for child in descendants(self.process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def make_server(home: Path) -> SshServer:
    """Keys, authorized_keys, known_hosts and an sshd_config of its own under ``home``."""
    if not os.access(SSHD, os.X_OK):
        unavailable(f"{SSHD} is not installed (Debian package openssh-server; `make system-deps`)")
    for program in ("ssh", "ssh-keygen", "rsync"):
        if shutil.which(program) is None:
            unavailable(f"{program} is not installed (`make system-deps`)")
    if not PRIVSEP_DIR.is_dir() and os.getuid() == 0:  # unprivileged, sshd says what it lacks
        try:
            PRIVSEP_DIR.mkdir(mode=0o755, parents=True)
        except OSError as exc:
            unavailable(f"{PRIVSEP_DIR} is missing and cannot be created: {exc}")
    home.mkdir(parents=True, exist_ok=True)
    host_key = home / "host_ed25519"
    client_key = home / "client_ed25519"
    keygen(host_key)
    keygen(client_key)
    authorized = home / "authorized_keys"
    shutil.copyfile(client_key.with_suffix(".pub"), authorized)
    port = free_port()
    known_hosts = home / "known_hosts"
    host_pub = host_key.with_suffix(".pub").read_text().split()
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    user = pwd.getpwuid(os.getuid()).pw_name
    server = SshServer(
        home=home,
        root=home / "www",
        port=port,
        user=user,
        client_key=client_key,
        known_hosts=known_hosts,
    )
    server.root.mkdir()
    server.config_file.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {home / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                f"AllowUsers {user}",
                "StrictModes no",  # the tmp folders are not owned the way sshd insists on
                "PermitRootLogin prohibit-password",  # CI runs as root
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "UseDNS no",
                # Keep the account's shell start-up files (a slow ~/.bashrc) out of every session.
                f"SetEnv HOME={home}",
                "Subsystem sftp internal-sftp",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    return server


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    """A running sshd for one test, stopped at teardown."""
    server = make_server(tmp_path / "sshd")
    server.start()
    try:
        yield server
    finally:
        server.stop()
