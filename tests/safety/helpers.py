"""What the safety tests share: a real `feedpub` process, and a hash of every file around a publication."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

# feedpub's own state: the parse cache may learn from a failed build, and the lock file is
# written by every command. Everything else around the publication must stay as it was.
STATE = (Path(".feedpub") / "cache", Path(".feedpub") / "run.lock")


def feedpub(
    root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`feedpub ARGS --root ROOT` as a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "feedpub", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


def tree_state(top: Path, skip: Iterable[Path] = ()) -> dict[str, str]:
    """Every path under ``top`` (not following symlinks) → its type, mode and content hash."""
    skipped = {os.path.abspath(p) for p in skip}
    state: dict[str, str] = {}
    for directory, subdirs, names in os.walk(top):
        kept = []
        for name in subdirs:
            path = os.path.join(directory, name)
            if os.path.abspath(path) in skipped or os.path.islink(path):
                if os.path.islink(path):
                    names.append(name)
                continue
            kept.append(name)
        subdirs[:] = kept
        rel_dir = os.path.relpath(directory, top)
        state[rel_dir] = f"dir {stat.S_IMODE(os.lstat(directory).st_mode):o}"
        for name in names:
            path = os.path.join(directory, name)
            if os.path.abspath(path) in skipped:
                continue
            info = os.lstat(path)
            rel = os.path.join(rel_dir, name)
            if stat.S_ISLNK(info.st_mode):
                state[rel] = f"link {os.readlink(path)}"
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    digest = hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
                state[rel] = f"file {stat.S_IMODE(info.st_mode):o} {digest}"
            else:
                state[rel] = f"special {stat.S_IFMT(info.st_mode):o}"
    return state


def around(root: Path, output: Path | None = None) -> dict[str, str]:
    """The state of the folder holding ``root``, minus the output folder and feedpub's state."""
    skip = [root / p for p in STATE]
    if output is not None:
        skip.append(output)
    state = tree_state(root.parent, skip)
    state.pop(os.path.join(root.name, ".feedpub"), None)  # the lock's folder may be new
    return state


def start_paused(
    root: Path, checkpoint: str, marker: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """`feedpub ARGS` stopped at ``checkpoint`` (feedpub.faults) until killed."""
    marker.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "feedpub", *args, "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            **(env or {}),
            "FEEDPUB_PAUSE_AT": checkpoint,
            "FEEDPUB_PAUSE_FILE": str(marker),
        },
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            out, err = process.communicate()
            raise AssertionError(
                f"never reached {checkpoint}: exit {process.returncode}\n{out}{err}"
            )
        time.sleep(0.02)
    return process


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    process.communicate()


def contents(folder: Path) -> dict[str, bytes]:
    """Every file's bytes under ``folder`` by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
