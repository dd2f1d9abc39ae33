"""A folder or file of the publication in, the regular files to read out, plus a problem for anything else.

Inputs are read only from regular files inside the publication root. A symlink is followed
only when it resolves inside the root; one that leads outside, loops, or points at nothing
is reported (never followed), as are FIFOs, sockets and devices (opening a FIFO would hang
the build) and folders that cannot be read (leaving their entries out would delete them
from every target at the next publish).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from feedpub.errors import Location, Problem

KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _kind(mode: int) -> str:
    return KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _problem(shown: str, message: str) -> Problem:
    return Problem(Location(shown), message)


def _follow(root_real: str, path: str, shown: str, problems: list[Problem]) -> str | None:
    """The real path a symlink leads to when it stays inside the root, else None (problem noted)."""
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            problems.append(_problem(shown, "is a symlink loop; remove it"))
        else:
            try:
                target = os.readlink(path)
            except OSError:
                target = "?"
            problems.append(
                _problem(
                    shown,
                    f"is a symlink to {target}, which does not exist; remove it or point it "
                    "at a file inside the publication",
                )
            )
        return None
    if not (real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)):
        problems.append(
            _problem(
                shown,
                f"is a symlink to {real}, outside the publication; only files inside the "
                "publication root are read, so it was not followed",
            )
        )
        return None
    return real


def input_file(root: Path, name: str, problems: list[Problem]) -> str | None:
    """The path to read for the file ``name`` at the root (feedpub.yaml), None when missing or bad."""
    path = os.path.join(root, name)
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        real = _follow(os.path.realpath(root), path, name, problems)
        if real is None:
            return None
        info = os.stat(real)
        path = real
    if not stat.S_ISREG(info.st_mode):
        problems.append(_problem(name, f"is {_kind(info.st_mode)}; expected a regular file"))
        return None
    return path


def walk(
    root: Path, folder: str, problems: list[Problem], suffixes: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """(path relative to ``folder``, path to read) of every regular file under root/folder, sorted.

    Hidden files and folders are skipped; ``suffixes`` keeps only names ending so.
    """
    root_real = os.path.realpath(root)
    top = os.path.join(root, folder)
    found: list[tuple[str, str]] = []
    try:
        info = os.lstat(top)
    except FileNotFoundError:
        return found
    except OSError as exc:
        problems.append(_problem(f"{folder}/", f"cannot be read: {exc.strerror}"))
        return found
    start = top
    if stat.S_ISLNK(info.st_mode):
        real = _follow(root_real, top, f"{folder}/", problems)
        if real is None:
            return found
        start = real
    if not os.path.isdir(start):
        problems.append(_problem(folder, f"is {_kind(os.stat(start).st_mode)}; expected a folder"))
        return found
    # Folders already entered (by their real path): a folder symlink back up is a loop.
    _walk_folder(root_real, start, "", folder, problems, suffixes, found, {os.path.realpath(start)})
    found.sort()
    return found


def _walk_folder(
    root_real: str,
    directory: str,
    prefix: str,
    folder: str,
    problems: list[Problem],
    suffixes: tuple[str, ...],
    found: list[tuple[str, str]],
    entered: set[str],
) -> None:
    try:
        with os.scandir(directory) as listing:
            items = sorted(listing, key=lambda item: item.name)
    except OSError as exc:
        where = f"{folder}/{prefix}" if prefix else f"{folder}/"
        problems.append(
            _problem(
                where,
                f"cannot read folder: {exc.strerror}; its files would be left out of the site "
                "(and removed from the targets by the next publish), so nothing was built",
            )
        )
        return
    for item in items:
        name = item.name
        if name.startswith("."):
            continue
        rel = prefix + name
        shown = f"{folder}/{rel}"
        path = item.path
        try:
            if item.is_symlink():
                real = _follow(root_real, path, shown, problems)
                if real is None:
                    continue
                mode = os.stat(real).st_mode
                path = real
            elif item.is_dir(follow_symlinks=False):  # the file type from the listing: no stat
                mode = stat.S_IFDIR
            elif item.is_file(follow_symlinks=False):
                mode = stat.S_IFREG
            else:
                mode = item.stat(follow_symlinks=False).st_mode
        except OSError as exc:
            problems.append(_problem(shown, f"cannot be read: {exc.strerror}"))
            continue
        if stat.S_ISDIR(mode):
            real_dir = os.path.realpath(path)
            if any(seen == real_dir or seen.startswith(real_dir + os.sep) for seen in entered):
                problems.append(
                    _problem(
                        shown, "is a symlink loop (it leads back to a folder it is in); remove it"
                    )
                )
                continue
            _walk_folder(
                root_real, path, rel + "/", folder, problems, suffixes, found, entered | {real_dir}
            )
        elif stat.S_ISREG(mode):
            if not suffixes or name.endswith(suffixes):
                found.append((rel, path))
        else:
            problems.append(
                _problem(shown, f"is {_kind(mode)}; expected a regular file (it was not read)")
            )


def read_regular(path: str, limit: int | None = None) -> bytes:
    """The bytes of a regular file; OSError for anything else, ValueError when over ``limit``.

    Opened without following a last symlink and without blocking, then checked with fstat:
    a file swapped for a FIFO or a link after the walk still cannot hang or leak.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, f"is {_kind(info.st_mode)}, not a regular file")
        if limit is not None and info.st_size > limit:
            raise ValueError(info.st_size)
        chunks = []
        size = 0
        while chunk := os.read(fd, max(info.st_size + 1, 65536)):
            chunks.append(chunk)
            size += len(chunk)
            if limit is not None and size > limit:
                raise ValueError(size)
        return b"".join(chunks)
    finally:
        os.close(fd)
