"""An ``sftp://`` or ``rsync://`` target in, output files placed on an SSH host out (paramiko or rsync).

Both check the host key against ``known_hosts`` and reject unknown hosts; both keep their state in
the manifest file at the target root. Headers (Content-Type, Cache-Control) are the business of
the web server that serves the folder.

``rsync://user@host:port/path`` (or ``sftp://…`` with ``mode: rsync``) means the system's rsync
over ssh, not the rsync daemon protocol. Its state lives in the manifest too, read and written
with rsync itself, so the host needs nothing but ssh and rsync (no SFTP subsystem).
"""

from __future__ import annotations

import contextlib
import getpass
import io
import logging
import posixpath
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import paramiko

from feedpub.errors import PublishError, UsageError
from feedpub.publish.base import LocalFile, TargetConfig
from feedpub.publish.manifest import ManifestTarget
from feedpub.publish.registry import check_options
from feedpub.publish.retry import TransientError, named

log = logging.getLogger("feedpub")

OPTIONS = {"key_file", "known_hosts", "timeout"}
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"
DEFAULT_TIMEOUT = 30.0
FILE_MODE = 0o644  # the web server reading the folder is rarely the user who uploads
FEED_SUFFIXES = ("rss.xml", "atom.xml", "feed.json")


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


def is_feed(file: LocalFile) -> bool:
    return file.path.rsplit("/", 1)[-1] in FEED_SUFFIXES


class SftpTarget(ManifestTarget):
    """SFTP with paramiko: each file written under a temporary name, then ``posix-rename``d into place."""

    def __init__(self, config: TargetConfig) -> None:
        super().__init__(config)
        self.address = parse_address(config)
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None
        self._folders: set[str] = set()  # remote folders known to exist

    # -- connection ------------------------------------------------------------------------

    def open(self) -> None:
        with named(self.config.name):
            self.sftp()

    def remote_digests(self) -> dict[str, str]:
        with named(self.config.name):
            return super().remote_digests()

    def close(self) -> None:
        self._drop()

    def _drop(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
        self._client = None
        self._sftp = None
        self._folders.clear()

    def connected(self) -> bool:
        transport = self._client.get_transport() if self._client is not None else None
        return transport is not None and transport.is_active()

    def sftp(self) -> paramiko.SFTPClient:
        """The SFTP session, (re)connecting when there is none or the last one dropped."""
        if self._sftp is not None and self.connected():
            return self._sftp
        self._drop()
        where = str(self.address)
        client = paramiko.SSHClient()
        try:
            client.load_host_keys(str(self.address.known_hosts))
        except (OSError, paramiko.SSHException) as exc:
            raise PublishError(
                f"{where}: cannot read known_hosts {self.address.known_hosts}: {exc}"
            ) from exc
        # An unknown host is refused outright: never trust a key on first use.
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        key = str(self.address.key_file) if self.address.key_file else None
        try:
            client.connect(
                self.address.host,
                port=self.address.port,
                username=self.address.user,
                key_filename=key,
                look_for_keys=key is None,
                allow_agent=key is None,
                timeout=self.address.timeout,
                banner_timeout=self.address.timeout,
                auth_timeout=self.address.timeout,
            )
            session = client.open_sftp()
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise PublishError(
                f"{where}: the host key does not match {self.address.known_hosts}; "
                f"refusing to connect"
            ) from exc
        except paramiko.AuthenticationException as exc:
            client.close()
            raise PublishError(f"{where}: authentication failed ({exc})") from exc
        except paramiko.SSHException as exc:
            client.close()
            if "not found in known_hosts" in str(exc):
                raise PublishError(
                    f"{where}: host key not in {self.address.known_hosts}; "
                    f"connect once with ssh to record it"
                ) from exc
            raise TransientError(f"{where}: {exc}") from exc
        except (OSError, EOFError) as exc:
            client.close()
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise TransientError(f"{where}: cannot connect: {reason}") from exc
        session.get_channel().settimeout(self.address.timeout)  # type: ignore[union-attr]
        self._client, self._sftp = client, session
        return session

    def failure(self, exc: BaseException, what: str) -> Exception:
        """A lost connection is worth a retry (on a new one); a refusal by the server is not."""
        if (
            isinstance(exc, paramiko.SSHException | EOFError | socket.timeout)
            or not self.connected()
        ):
            self._drop()
            return TransientError(f"{what}: connection lost ({exc or type(exc).__name__})")
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if reason == "Failure":  # SSH_FX_FAILURE: the server gives no detail
            reason = "refused by the server (SFTP status FAILURE)"
        return PublishError(f"{what}: {reason}")

    # -- the three manifest-target operations ------------------------------------------------

    def read_remote(self, path: str) -> bytes | None:
        remote = self.address.remote(path)
        sftp = self.sftp()
        try:
            with sftp.open(remote, "rb") as fh:
                fh.prefetch()
                return fh.read()
        except FileNotFoundError:
            return None
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise self.failure(exc, f"reading {remote}") from exc

    def write_remote(self, path: str, data: bytes) -> None:
        remote = self.address.remote(path)
        folder, name = posixpath.split(remote)
        temp = posixpath.join(folder, f".{name}.feedpub-{uuid.uuid4().hex[:12]}.tmp")
        sftp = self.sftp()
        what = f"writing {remote}"
        try:
            self.makedirs(sftp, folder)
            sftp.putfo(io.BytesIO(data), temp, file_size=len(data), confirm=True)
            sftp.chmod(temp, FILE_MODE)
            what = f"moving {remote} into place"
            self.rename(sftp, temp, remote)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            error = self.failure(exc, what)
            if self._sftp is not None:
                with contextlib.suppress(OSError, paramiko.SSHException, EOFError):
                    sftp.remove(temp)
            raise error from exc

    def remove_remote(self, path: str) -> None:
        remote = self.address.remote(path)
        sftp = self.sftp()
        try:
            sftp.remove(remote)
        except FileNotFoundError:
            pass
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise self.failure(exc, f"removing {remote}") from exc
        # Folders left empty go too, never the target root; a non-empty one stops the walk.
        folder = posixpath.dirname(remote)
        while folder not in (self.address.root, "", "/", "."):
            try:
                sftp.rmdir(folder)
            except (OSError, paramiko.SSHException):
                break
            self._folders.discard(folder)
            folder = posixpath.dirname(folder)

    # -- helpers -----------------------------------------------------------------------------

    def makedirs(self, sftp: paramiko.SFTPClient, folder: str) -> None:
        """``mkdir -p`` that remembers what exists, so a publish stats each folder once."""
        if folder in self._folders or folder in ("", "/", "."):
            return
        try:
            sftp.stat(folder)
        except FileNotFoundError:
            self.makedirs(sftp, posixpath.dirname(folder))
            try:
                sftp.mkdir(folder)
            except OSError:
                sftp.stat(folder)  # created meanwhile is fine; anything else raises
        self._folders.add(folder)

    @staticmethod
    def rename(sftp: paramiko.SFTPClient, temp: str, final: str) -> None:
        """Atomic replace via OpenSSH's posix-rename extension; remove + rename where it is missing."""
        try:
            sftp.posix_rename(temp, final)
        except OSError as exc:
            # SFTP v3 rename refuses an existing target; only a server without the extension
            # (it answers "operation unsupported") gets the non-atomic fallback.
            if "unsupported" not in str(exc).lower():
                raise
            with contextlib.suppress(FileNotFoundError):
                sftp.remove(final)
            sftp.rename(temp, final)


# --- rsync -----------------------------------------------------------------------------------

# rsync exit codes that mean the connection, not the request, failed (rsync(1), EXIT VALUES).
RSYNC_TRANSIENT = {10, 12, 30, 35, 255}
RSYNC_MISSING = 23  # "partial transfer due to error": a missing source file, among others


def rsync_pattern(path: str) -> str:
    """A literal path as an rsync filter pattern: wildcards escaped (rsync(1), PATTERN MATCHING RULES)."""
    if any(c in path for c in "*?["):
        return "".join("\\" + c if c in "*?[\\" else c for c in path)
    return path


class RsyncTarget(ManifestTarget):
    """The system's rsync over ssh, one connection shared by every call (ssh ControlMaster).

    Uploads are sent in batches, one rsync run per phase of the plan: the files before the feeds,
    the feeds, the files after them. A batch is sent when the next phase begins, or before
    deletions and the commit; ``--delay-updates`` renames a batch into place at its end, so a run
    that fails leaves the previous files served. Deletions are sent in one run before the commit.
    """

    def __init__(self, config: TargetConfig) -> None:
        super().__init__(config)
        self.address = parse_address(config)
        for program in ("rsync", "ssh"):
            if shutil.which(program) is None:
                raise UsageError(
                    f"target {config.name!r}: rsync targets need {program}, which is not installed"
                )
        self._tmp: Path | None = None
        self._queue: dict[str, LocalFile] = {}
        self._queue_feeds = False
        self._deletes: list[str] = []
        self._runs = 0

    # -- connection ------------------------------------------------------------------------

    def workdir(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="feedpub-rsync-"))
        return self._tmp

    def ssh_args(self) -> list[str]:
        address = self.address
        args = [
            "ssh",
            "-p",
            str(address.port),
            "-o",
            f"UserKnownHostsFile={address.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",  # never wait for a password prompt
            "-o",
            f"ConnectTimeout={max(1, round(address.timeout))}",
            "-o",
            f"ControlPath={self.workdir() / 'ssh'}",
        ]
        if address.key_file is not None:
            args += ["-i", str(address.key_file), "-o", "IdentitiesOnly=yes"]
        return args

    def open(self) -> None:
        """Start the shared ssh connection; its failure says why (host key, authentication, network)."""
        where = f"{self.config.name}: {self.address}"
        log_file = self.workdir() / "ssh.log"
        with log_file.open("wb") as out:
            # -f backgrounds the master once authenticated; it ends when idle for a minute or on close().
            done = subprocess.run(
                [
                    *self.ssh_args(),
                    "-o",
                    "ControlMaster=yes",
                    "-o",
                    "ControlPersist=60",
                    "-N",
                    "-f",
                    self.address.login,
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                check=False,
            )
        if done.returncode != 0:
            reason = (
                last_line(log_file.read_text(errors="replace")) or f"ssh exited {done.returncode}"
            )
            raise PublishError(f"{where}: {reason}")

    def remote_digests(self) -> dict[str, str]:
        with named(self.config.name):
            return super().remote_digests()

    def close(self) -> None:
        if self._tmp is None:
            return
        subprocess.run(
            [*self.ssh_args(), "-O", "exit", self.address.login],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp = None

    def rsync(self, args: list[str], what: str, missing_ok: bool = False) -> bool:
        """Run rsync; False when ``missing_ok`` and the remote source did not exist."""
        rsh = shlex.join([*self.ssh_args(), "-o", "ControlMaster=no"])
        done = subprocess.run(
            ["rsync", "-e", rsh, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            return True
        if (
            missing_ok
            and done.returncode == RSYNC_MISSING
            and "No such file or directory" in done.stderr
        ):
            return False
        reason = first_error(done.stderr) or f"rsync exited {done.returncode}"
        if done.returncode in RSYNC_TRANSIENT:
            raise TransientError(f"{what}: {reason}")
        raise PublishError(f"{what}: {reason}")

    def dest(self, remote: str) -> str:
        return f"{self.address.login}:{remote}"

    def stage(self) -> Path:
        self._runs += 1
        folder = self.workdir() / f"run-{self._runs}"
        folder.mkdir()
        return folder

    # -- the three manifest-target operations ------------------------------------------------

    def read_remote(self, path: str) -> bytes | None:
        remote = self.address.remote(path)
        local = self.stage() / "read"
        if not self.rsync([self.dest(remote), str(local)], f"reading {remote}", missing_ok=True):
            return None
        return local.read_bytes()

    def write_remote(self, path: str, data: bytes) -> None:
        remote = self.address.remote(path)
        local = self.stage() / posixpath.basename(remote)
        local.write_bytes(data)
        local.chmod(FILE_MODE)
        # rsync writes a temporary file beside the target and renames it into place.
        self.rsync(
            ["--ignore-times", "--mkpath", str(local), self.dest(remote)], f"writing {remote}"
        )

    def remove_remote(self, path: str) -> None:
        self.flush_uploads()
        self._deletes.append(path)
        self.flush_deletes()

    # -- batching ------------------------------------------------------------------------------

    def upload(self, file: LocalFile) -> None:
        self.address.remote(file.path)  # refuse a bad path now, not in the batch
        if self._queue and is_feed(file) != self._queue_feeds:
            self.flush_uploads()
        self._queue_feeds = is_feed(file)
        self._queue[file.path] = file

    def delete(self, path: str) -> None:
        self.flush_uploads()
        self.address.remote(path)
        if path not in self._deletes:
            self._deletes.append(path)

    def commit(self, digests: dict[str, str]) -> None:
        self.flush_uploads()
        self.flush_deletes()
        super().commit(digests)

    def flush_uploads(self) -> None:
        """Send the queued files in one rsync run; the queue empties only when it succeeded."""
        if not self._queue:
            return
        stage = self.stage()
        for file in self._queue.values():
            link = stage.joinpath(*PurePosixPath(file.path).parts)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(file.source.resolve())
        paths = list(self._queue)
        names = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        self.rsync(
            [
                "--recursive",
                "--copy-links",
                "--ignore-times",
                "--delay-updates",
                "--mkpath",
                "--chmod=D755,F644",
                f"{stage}/",
                self.dest(self.address.root + "/"),
            ],
            f"sending {names}",
        )
        self._queue.clear()

    def flush_deletes(self) -> None:
        """Delete the queued paths in one run: an empty tree with filters naming only those files."""
        if not self._deletes:
            return
        stage = self.stage()
        tree = stage / "tree"
        tree.mkdir()
        rules: list[str] = []
        folders = sorted(
            {str(p) for path in self._deletes for p in PurePosixPath(path).parents} - {"."}
        )
        for folder in folders:
            tree.joinpath(folder).mkdir(parents=True, exist_ok=True)
            rules.append(f"+ /{rsync_pattern(folder)}/")
        rules += [f"+ /{rsync_pattern(path)}" for path in self._deletes]
        rules.append("- *")  # everything else is excluded, and so protected from --delete
        filters = stage / "filters"
        filters.write_text("\n".join(rules) + "\n")
        self.rsync(
            [
                "--recursive",
                "--delete",
                "--existing",
                "--ignore-existing",
                f"--filter=merge {filters}",
                f"{tree}/",
                self.dest(self.address.root + "/"),
            ],
            f"deleting {', '.join(self._deletes[:3])}",
        )
        self._deletes.clear()


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def first_error(text: str) -> str:
    """The line of rsync's stderr that says what went wrong (not its generic summary)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if not line.startswith("rsync error:") and "write error: Broken pipe" not in line:
            return line
    return lines[0] if lines else ""
