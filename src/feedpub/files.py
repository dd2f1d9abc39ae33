"""Bytes in, a file replaced atomically out: the one way feedpub writes a state or output file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, mode: int = 0o644, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so that a reader, or a crash, sees the old file or the new.

    The temporary file has a unique name in the same folder (two writers never share one);
    ``durable`` fsyncs the file before the rename and the folder after it, so the new content
    survives a power cut. Caches pass ``durable=False``: losing one only costs time.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode & ~_UMASK)  # mkstemp makes 0o600
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        _sync_folder(path.parent)


def _read_umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


# Read once, at import: os.umask can only be read by setting it, which races with threads.
_UMASK = _read_umask()


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened and synced
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
