"""An ``rsync://`` target (or ``sftp://`` with ``mode: rsync``) in, output files on an SSH host out.

This is the system's rsync over ssh, not the rsync daemon protocol, and needs no Python SSH
library. Its state lives in the manifest file too, read and written with rsync itself, so the
host needs nothing but ssh and rsync (no SFTP subsystem).
"""

from __future__ import annotations

import logging
import posixpath
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from feedpub.errors import PublishError, UsageError
from feedpub.mediatypes import is_feed
from feedpub.publish.base import LocalFile, TargetConfig
from feedpub.publish.manifest import ManifestTarget
from feedpub.publish.retry import TransientError, named
from feedpub.publish.ssh import FILE_MODE, parse_address

log = logging.getLogger("feedpub")

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
        if self._queue and is_feed(file.path) != self._queue_feeds:
            self.flush_uploads()
        self._queue_feeds = is_feed(file.path)
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
