"""Pages as they are rendered in, the build's new output folder out: each page written (or
linked from the old output when its bytes are the old file's), keeping only its hash and the
entries it links to.

The folder is a hidden sibling of the output (``.public.new-<pid>-<random>``), made at the
first page; ``output.write_output`` completes it and swaps it in. Until then the old output is
untouched, and any failure removes the folder (``remove``); a build killed outright leaves it
for the next build's ``output.recover``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection, Mapping
from pathlib import Path

from feedpub.errors import BuildError
from feedpub.output import _same, _temporary, _write_new, recover
from feedpub.render.discover import listing_links
from feedpub.render.manifest import file_hash


class Staging:
    """The new output folder of one build, filled page by page.

    ``old_files``: the old output's files; ``old_hashes``: the manifest's hash of each one
    still as the last build left it (None: no manifest, so a page is compared with the old
    file's bytes, as a forced build does).
    """

    def __init__(
        self,
        output: Path,
        old_files: Collection[str],
        old_hashes: Mapping[str, str] | None,
    ) -> None:
        recover(output)  # before our folder exists: recover deletes every .new- sibling
        self.output = output
        self.path = _temporary(output, "new")
        self.old_files = old_files
        self.old_hashes = old_hashes
        self.records: dict[str, tuple[str, tuple[str, ...]]] = {}  # rel → (hash, links)
        self.changed: set[str] = set()  # pages written, not linked from the old output
        self._folders: set[str] = set()
        self._made = False

    def put(self, rel: str, data: bytes) -> bool:
        """Store the page ``rel`` (a path under the output) with ``data`` as its bytes: written,
        or linked when the old output's file is the same (False). BuildError when it cannot be."""
        digest = file_hash(data)
        self.records[rel] = (digest, listing_links(rel, data))
        try:
            return self._place(rel, data, digest)
        except OSError as exc:
            where = exc.filename or self.path / rel
            raise BuildError(
                f"cannot write the output in {where}: {exc.strerror or exc}; "
                "the old output was kept"
            ) from exc

    def _place(self, rel: str, data: bytes, digest: str) -> bool:
        folder = rel.rpartition("/")[0]
        if folder not in self._folders:
            self.make_folder(folder)
        target = self.path / rel
        if rel in self.old_files and self._unchanged(rel, data, digest):
            try:
                os.link(self.output / rel, target)
                return False
            except OSError:
                pass
        self.changed.add(rel)
        _write_new(target, data)
        return True

    def _unchanged(self, rel: str, data: bytes, digest: str) -> bool:
        if self.old_hashes is None:
            return _same(self.output / rel, data)
        return self.old_hashes.get(rel) == digest

    def make_folder(self, folder: str) -> None:
        """Create ``folder`` (relative, "" for the top) in the new output."""
        if not self._made:
            self.path.mkdir(parents=True)
            self._made = True
            self._folders.add("")
        if folder not in self._folders:
            (self.path / folder).mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)

    def swapped(self) -> None:
        """The folder is the output now (``path`` names the old one): nothing to remove."""
        self._made = False

    def remove(self) -> None:
        """Delete the folder and what it holds (nothing happens when it was never made)."""
        if self._made:
            shutil.rmtree(self.path, ignore_errors=True)
            self._made = False
