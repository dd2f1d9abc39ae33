"""An ``sftp://`` or ``rsync://`` URL and its options in, the checked SSH address out (no paramiko).

Both SSH targets check the host key against ``known_hosts`` and reject unknown hosts, and keep
their state in the manifest file at the target root.
"""

from __future__ import annotations

import getpass
import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from feedpub.errors import PublishError, UsageError
from feedpub.publish.base import TargetConfig
from feedpub.publish.registry import check_options

OPTIONS = {"key_file", "known_hosts", "timeout"}
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"
DEFAULT_TIMEOUT = 30.0
FILE_MODE = 0o644  # the web server reading the folder is rarely the user who uploads


@dataclass(frozen=True)
class SshAddress:
    """Who and where: ``scheme://user@host:port/path``; ``/~/path`` is relative to the login folder."""

    user: str
    host: str
    port: int
    root: str  # absolute, or relative to the login folder ("." for the login folder itself)
    key_file: Path | None
    known_hosts: Path
    timeout: float

    @property
    def login(self) -> str:
        return f"{self.user}@{self.host}"

    def __str__(self) -> str:
        return f"{self.login}:{self.port}"

    def remote(self, path: str) -> str:
        """The remote path of ``path`` (relative to the target root); refuses ``..``."""
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise PublishError(f"refusing a path outside the target folder: {path}")
        return posixpath.join(self.root, *rel.parts)


def parse_address(config: TargetConfig) -> SshAddress:
    """The URL and options of an SSH target; UsageError for anything malformed."""
    name = config.name
    check_options(config, OPTIONS)
    parts = urlsplit(config.url)
    if not parts.hostname:
        raise UsageError(
            f"target {name!r}: expected {parts.scheme}://user@host:port/path, got no host"
        )
    try:
        port = parts.port or 22
    except ValueError as exc:
        raise UsageError(f"target {name!r}: the port in the URL is not a number") from exc
    path = unquote(parts.path)
    if path in ("", "/~", "/~/"):
        root = "."
    elif path.startswith("/~/"):
        root = path[3:].rstrip("/") or "."
    else:
        root = path.rstrip("/") or "/"
    key = config.options.get("key_file")
    known = config.options.get("known_hosts", DEFAULT_KNOWN_HOSTS)
    timeout = config.options.get("timeout", DEFAULT_TIMEOUT)
    for option, value in (("key_file", key), ("known_hosts", known)):
        if value is not None and not isinstance(value, str):
            raise UsageError(f"target {name!r}: {option}: expected a file path, got {value!r}")
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        raise UsageError(f"target {name!r}: timeout: expected a number of seconds, got {timeout!r}")
    key_file = Path(key).expanduser() if isinstance(key, str) else None
    if key_file is not None and not key_file.is_file():
        raise UsageError(f"target {name!r}: key_file {key_file} does not exist")
    known_hosts = Path(str(known)).expanduser()
    if not known_hosts.is_file():
        raise UsageError(
            f"target {name!r}: known_hosts file {known_hosts} does not exist; "
            f"connect once with ssh to record the host key"
        )
    user = unquote(parts.username) if parts.username else getpass.getuser()
    return SshAddress(user, parts.hostname, port, root, key_file, known_hosts, float(timeout))
