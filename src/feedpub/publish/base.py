"""The contract between the publish planner and each target: local files in, remote state out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

# Name of the manifest that targets without per-object metadata keep at their root:
# JSON {"version": 1, "files": {path: digest}}; digest covers bytes *and* headers.
MANIFEST_NAME = ".feedpub-manifest.json"


@dataclass(frozen=True)
class LocalFile:
    """One output file as it should arrive on a target."""

    path: str  # POSIX path relative to the output root, e.g. "all/rss.xml"
    source: Path  # where its bytes are on disk
    content_type: str
    cache_control: str
    digest: str  # sha256 hex of the bytes, content_type and cache_control
    size: int

    def read(self) -> bytes:
        return self.source.read_bytes()


@dataclass(frozen=True)
class TargetConfig:
    """A target as named in feedpub.yaml: ``targets: {name: {url: ..., **options}}``."""

    name: str
    url: str
    options: dict[str, Any]


class Target(Protocol):
    """What the planner needs from a host. Implementations live one per scheme in this package."""

    config: TargetConfig
    # True when upload and delete may run in several threads at once (publish --jobs).
    parallel: bool

    def open(self) -> None:
        """Connect; raise feedpub.errors.PublishError naming the target when that fails."""

    def remote_digests(self) -> dict[str, str]:
        """Path → digest of what the target serves now ({} for an empty target)."""

    def upload(self, file: LocalFile) -> None:
        """Put one file in place; under a temporary name then renamed, where the host can rename."""

    def delete(self, path: str) -> None:
        """Remove one file the output no longer has."""

    def commit(self, digests: dict[str, str]) -> None:
        """Record the new state (write the manifest, make the git commit) after all uploads."""

    def close(self) -> None:
        """Release connections; safe to call after a failure."""
