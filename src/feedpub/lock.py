"""A publication root and a command name in, the publication's one writer lock held out (or LockHeld).

``build``, ``run``, ``serve``'s builds and ``publish`` all take ``.feedpub/run.lock``, so two of
them never write the output (or read it half swapped) at once. It is an OS file lock
(``flock``): the kernel drops it when its process dies, so a crashed holder's lock is simply
taken over. Within one process the lock is re-entrant (``run`` holds it while it builds).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from feedpub.errors import LockHeld

STATE_DIR = Path(".feedpub")
LOCK_FILE = "run.lock"
WAIT_SECONDS = 10.0  # how long build, publish and serve wait for the lock by default
WAIT_ENV = "FEEDPUB_LOCK_WAIT"  # seconds to wait instead (0: give up at once)

_held: dict[str, int] = {}  # lock file → how many times this process holds it
_guard = threading.Lock()


def default_wait() -> float:
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, WAIT_SECONDS)))
    except ValueError:
        return WAIT_SECONDS


@contextmanager
def publication_lock(root: Path, command: str, wait: float | None = None) -> Iterator[str]:
    """Hold the lock of ``root`` for ``command``; LockHeld (exit 3) naming the holder when
    another process keeps it longer than ``wait`` seconds (default: ``default_wait()``).

    Yields a note when the lock was left by a process that ended without releasing it.
    """
    if not root.is_dir():  # nothing to protect; the command reports the missing publication
        yield ""
        return
    folder = root / STATE_DIR
    folder.mkdir(exist_ok=True)
    path = folder / LOCK_FILE
    key = str(path.resolve())
    with _guard:
        if _held.get(key):
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield ""
        finally:
            with _guard:
                _held[key] -= 1
        return
    handle = path.open("a+", encoding="utf-8")
    try:
        _acquire(handle, path, command, default_wait() if wait is None else wait)
        handle.seek(0)
        previous = handle.read().strip()
        note = ""
        if previous:  # the kernel released it, so that process is gone
            holder, _what = _parse(previous)
            note = f"took over the lock left by a run that ended without releasing it ({holder})"
        handle.seek(0)
        handle.truncate()
        since = datetime.now(UTC).replace(microsecond=0).isoformat()
        handle.write(f"pid {os.getpid()} since {since}\n{command}\n")
        handle.flush()
        with _guard:
            _held[key] = 1
        try:
            yield note
        finally:
            with _guard:
                _held.pop(key, None)
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def _acquire(handle: TextIO, path: Path, command: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                break
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
    handle.seek(0)
    holder, what = _parse(handle.read().strip())
    waited = f"waited {wait:g} s; " if wait > 0 else ""
    raise LockHeld(
        f"another feedpub {what} holds {path} ({holder}); {waited}"
        f"not starting {'a second one' if what == command else command}"
    )


def _parse(content: str) -> tuple[str, str]:
    """(``pid N since T``, the holder's command) from the lock file's text."""
    lines = content.splitlines()
    holder = lines[0] if lines and lines[0] else "unknown"
    what = lines[1] if len(lines) > 1 and lines[1] else "run"
    return holder, what
