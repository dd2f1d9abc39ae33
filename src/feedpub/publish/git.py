"""A ``git+file://…#branch`` / ``git+ssh://…#branch`` target: output files in, a new branch tip out."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from feedpub.errors import PublishError, UsageError
from feedpub.publish.base import LocalFile, TargetConfig
from feedpub.publish.manifest import ManifestTarget
from feedpub.publish.registry import check_options
from feedpub.redact import redact_url

log = logging.getLogger("feedpub")

OPTIONS = {"cname", "author_name", "author_email", "message"}
DEFAULT_BRANCH = "gh-pages"
ZERO = "0" * 40
# Environment variables that would point git at the user's repository, index or work tree.
GIT_LOCATION_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
)


class GitTarget(ManifestTarget):
    """Commits the output as the new tip of a branch (GitHub Pages style).

    All work happens in a throwaway bare repository with its own index, so the user's work
    tree and index are never touched. The push is a plain one: git refuses it when the branch
    moved on since we fetched it (no force, ever).
    """

    def __init__(self, config: TargetConfig) -> None:
        super().__init__(config)
        check_options(config, OPTIONS)
        url = config.url[len("git+") :]
        parts = urlsplit(url)
        self.branch = parts.fragment or DEFAULT_BRANCH
        self.remote = parts._replace(fragment="").geturl()
        if parts.scheme == "file" and not parts.path.startswith("/"):
            raise UsageError(f"target {config.name!r}: expected git+file:///path/repo.git#branch")
        cname = config.options.get("cname")
        if cname is not None and (not isinstance(cname, str) or not cname.strip() or "/" in cname):
            raise UsageError(
                f"target {config.name!r}: cname: expected a host name such as "
                f"news.example.org, got {cname!r}"
            )
        self.cname = cname.strip() if isinstance(cname, str) else None
        self.scratch: Path | None = None
        self.old: str | None = None  # the branch tip we build on
        self.staged: dict[str, Path] = {}
        self.removed: set[str] = set()

    # --- running git ---

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in GIT_LOCATION_VARS}
        assert self.scratch is not None
        env.update(
            GIT_DIR=str(self.scratch),
            GIT_INDEX_FILE=str(self.scratch / "publish-index"),
            GIT_TERMINAL_PROMPT="0",
        )
        options = self.config.options
        for role in ("AUTHOR", "COMMITTER"):
            env.setdefault(f"GIT_{role}_NAME", str(options.get("author_name", "feedpub")))
            env.setdefault(
                f"GIT_{role}_EMAIL", str(options.get("author_email", "feedpub@localhost"))
            )
        return env

    def git(
        self, *args: str, input: bytes | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        result = subprocess.run(
            ["git", *args], input=input, capture_output=True, env=self.env(), check=False
        )
        if check and result.returncode != 0:
            message = result.stderr.decode(errors="replace").strip().splitlines()
            raise PublishError(
                f"{self.config.name}: git {args[0]} failed: "
                f"{message[-1] if message else 'exit ' + str(result.returncode)}"
            )
        return result

    def out(self, *args: str, input: bytes | None = None) -> str:
        return self.git(*args, input=input).stdout.decode().strip()

    # --- the Target protocol ---

    def open(self) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="feedpub-git-"))
        self.git("init", "-q", "--bare", str(self.scratch))
        ref = f"refs/heads/{self.branch}"
        if self.git("check-ref-format", ref, check=False).returncode != 0:
            raise UsageError(
                f"target {self.config.name!r}: {self.branch!r} is not a valid branch name"
            )
        listing = self.git("ls-remote", self.remote, ref, check=False)
        if listing.returncode != 0:
            raise PublishError(
                f"{self.config.name}: cannot read {redact_url(self.remote)}: "
                f"{listing.stderr.decode(errors='replace').strip()}"
            )
        line = listing.stdout.decode().split()
        if line:
            self.old = line[0]
            self.git("fetch", "-q", "--depth=1", "--no-tags", self.remote, ref)
            self.git("read-tree", self.old)
        else:
            self.git("read-tree", "--empty")

    def read_remote(self, path: str) -> bytes | None:
        if self.old is None:
            return None
        result = self.git("cat-file", "blob", f"{self.old}:{path}", check=False)
        return result.stdout if result.returncode == 0 else None

    def upload(self, file: LocalFile) -> None:
        self.stage(file.path, file.source)

    def write_remote(self, path: str, data: bytes) -> None:
        assert self.scratch is not None
        blob = self.scratch / f"blob-{len(self.staged)}"
        blob.write_bytes(data)
        self.stage(path, blob)

    def stage(self, path: str, source: Path) -> None:
        # Blobs are hashed in one batch at commit time: one git process, not one per file.
        self.staged[path] = source
        self.removed.discard(path)

    def remove_remote(self, path: str) -> None:
        self.staged.pop(path, None)
        self.removed.add(path)

    def commit(self, digests: dict[str, str]) -> None:
        super().commit(digests)  # stages the manifest
        self.write_remote(".nojekyll", b"")  # GitHub Pages: serve files as they are
        if self.cname:
            self.write_remote("CNAME", f"{self.cname}\n".encode())
        self.flush()
        tree = self.out("write-tree")
        if self.old is not None and tree == self.out("rev-parse", f"{self.old}^{{tree}}"):
            log.info("%s: nothing changed; no commit", self.config.name)
            return
        message = str(self.config.options.get("message", "Publish with feedpub"))
        parents: Sequence[str] = ("-p", self.old) if self.old else ()
        new = self.out("commit-tree", tree, *parents, "-m", message)
        pushed = self.git(
            "push", "-q", "--no-verify", self.remote, f"{new}:refs/heads/{self.branch}", check=False
        )
        if pushed.returncode != 0:
            detail = pushed.stderr.decode(errors="replace")
            if "non-fast-forward" in detail or "fetch first" in detail or "rejected" in detail:
                raise PublishError(
                    f"{self.config.name}: branch {self.branch!r} moved on since this "
                    "publish read it; refusing a non-fast-forward push (publish again)"
                )
            lines = detail.strip().splitlines()
            raise PublishError(
                f"{self.config.name}: git push failed: {lines[-1] if lines else 'unknown error'}"
            )
        self.old = new

    def flush(self) -> None:
        paths = sorted(self.staged)
        lines = []
        if paths:
            listing = "".join(f"{self.staged[p]}\n" for p in paths).encode()
            shas = self.out(
                "hash-object", "-w", "--no-filters", "--stdin-paths", input=listing
            ).split()
            lines += [f"100644 {sha}\t{path}\n" for path, sha in zip(paths, shas, strict=True)]
        lines += [f"0 {ZERO}\t{path}\n" for path in sorted(self.removed)]
        if lines:
            self.git("update-index", "--index-info", input="".join(lines).encode())
        self.staged.clear()
        self.removed.clear()

    def close(self) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None
