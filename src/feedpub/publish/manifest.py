"""Hosts without object metadata: the manifest file on the target in, remote digests out, and back."""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod

from feedpub.publish.base import MANIFEST_NAME, LocalFile, TargetConfig

log = logging.getLogger("feedpub")

MANIFEST_VERSION = 1


def encode_manifest(digests: dict[str, str]) -> bytes:
    """The manifest's bytes: sorted, so an unchanged state writes identical bytes."""
    body = {"version": MANIFEST_VERSION, "files": dict(sorted(digests.items()))}
    return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode()


def decode_manifest(data: bytes, where: str) -> dict[str, str]:
    """Path → digest from a manifest; an unreadable one counts as empty (everything re-uploads)."""
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning(
            "%s: %s is not valid JSON (%s); uploading every file again", where, MANIFEST_NAME, exc
        )
        return {}
    files = body.get("files") if isinstance(body, dict) else None
    if (
        not isinstance(body, dict)
        or body.get("version") != MANIFEST_VERSION
        or not isinstance(files, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
    ):
        log.warning(
            "%s: %s has an unknown layout; uploading every file again", where, MANIFEST_NAME
        )
        return {}
    return dict(files)


class ManifestTarget(ABC):
    """A Target whose state is ``.feedpub-manifest.json`` at its root.

    Subclasses implement three small methods; deletion only ever touches files a manifest
    recorded, so files someone else put on the host are never removed.
    """

    parallel = False  # a subclass that is safe to call from several threads says so

    def __init__(self, config: TargetConfig) -> None:
        self.config = config

    @abstractmethod
    def read_remote(self, path: str) -> bytes | None:
        """The bytes at ``path`` relative to the target root, or None when there is no such file."""

    @abstractmethod
    def write_remote(self, path: str, data: bytes) -> None:
        """Put ``data`` at ``path`` (creating folders), under a temporary name then renamed where the host can."""

    @abstractmethod
    def remove_remote(self, path: str) -> None:
        """Remove ``path``; a file that is already gone is not an error (a retried publish repeats deletes)."""

    def open(self) -> None:
        """Connect; the default has nothing to do."""
        return None

    def close(self) -> None:
        """Disconnect; the default has nothing to do."""
        return None

    def remote_digests(self) -> dict[str, str]:
        data = self.read_remote(MANIFEST_NAME)
        return {} if data is None else decode_manifest(data, self.config.name)

    def upload(self, file: LocalFile) -> None:
        self.write_remote(file.path, file.read())

    def delete(self, path: str) -> None:
        self.remove_remote(path)

    def commit(self, digests: dict[str, str]) -> None:
        self.write_remote(MANIFEST_NAME, encode_manifest(digests))
