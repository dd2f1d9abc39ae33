"""A ``file:///path`` target: output files in, the same files in a local folder out, each renamed into place."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from feedpub.errors import PublishError, UsageError
from feedpub.files import write_atomic
from feedpub.publish.base import TargetConfig
from feedpub.publish.manifest import ManifestTarget
from feedpub.publish.registry import check_options
from feedpub.redact import redact_url


def folder_from_url(config: TargetConfig) -> Path:
    parts = urlsplit(config.url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise UsageError(
            f"target {config.name!r}: expected file:///absolute/path, got {redact_url(config.url)}"
        )
    return Path(unquote(parts.path))


class FolderTarget(ManifestTarget):
    """A folder a web server on this host serves; headers are that server's business."""

    def __init__(self, config: TargetConfig) -> None:
        super().__init__(config)
        check_options(config, set())
        self.root = folder_from_url(config)

    def open(self) -> None:
        # Only the last component may be missing, so a typo in the URL does not grow a new tree;
        # it is created by the first upload, so a dry run leaves no trace.
        if not self.root.is_dir() and not self.root.parent.is_dir():
            raise PublishError(f"{self.config.name}: {self.root.parent} does not exist")

    def local(self, path: str) -> Path:
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts:
            raise PublishError(f"{self.config.name}: refusing path outside the folder: {path}")
        return self.root.joinpath(*rel.parts)

    def read_remote(self, path: str) -> bytes | None:
        try:
            return self.local(path).read_bytes()
        except FileNotFoundError:
            return None

    def write_remote(self, path: str, data: bytes) -> None:
        final = self.local(path)
        final.parent.mkdir(parents=True, exist_ok=True)
        # 0o666 through the umask, like any other file: a web server must be able to read it.
        write_atomic(final, data, mode=0o666)

    def remove_remote(self, path: str) -> None:
        target = self.local(path)
        target.unlink(missing_ok=True)
        # Folders the output no longer has go too, but never the target root itself.
        folder = target.parent
        while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
