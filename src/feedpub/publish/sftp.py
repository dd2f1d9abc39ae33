"""An ``sftp://`` target in, output files placed on an SSH host out (paramiko).

The host key must be in ``known_hosts`` (unknown hosts are refused); state lives in the manifest
file at the target root. Headers (Content-Type, Cache-Control) are the business of the web
server that serves the folder.
"""

from __future__ import annotations

import contextlib
import io
import logging
import posixpath
import socket
import uuid

import paramiko

from feedpub.errors import PublishError
from feedpub.publish.base import TargetConfig
from feedpub.publish.manifest import ManifestTarget
from feedpub.publish.retry import TransientError, named
from feedpub.publish.ssh import FILE_MODE, parse_address

log = logging.getLogger("feedpub")


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
