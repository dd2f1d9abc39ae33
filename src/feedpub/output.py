"""The output folder: whether feedpub may replace it, and the swap that puts a new build in its place.

feedpub owns an output folder when it holds the ``.feedpub-output`` marker (every build
writes one), when it is empty or missing, or when the last build stamp names this very
folder (outputs built before the marker existed). Anything else belongs to someone else
and is only replaced when the user says so (``build --replace-output``).
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedpub.errors import BuildError, Location, Problem, UsageError, display_path
from feedpub.faults import checkpoint, simulated

if TYPE_CHECKING:
    from feedpub.staging import Staging

MARKER = ".feedpub-output"  # in every output folder feedpub writes; never published
MARKER_TEXT = (
    b"This folder is the output of feedpub: every build replaces all of it.\n"
    b"Edit the publication's entries/, feeds/ and static/ instead.\n"
)
# Folders of the publication that an output must never be, nor be inside.
INPUT_FOLDERS = ("feeds", "entries", "static", "templates", ".feedpub")


def output_problem(root: Path, output: Path, setting: str) -> str | None:
    """Why ``output`` (resolved) cannot be the output folder of ``root`` (resolved), or None."""
    shown = f"{setting!r}" if setting != "public" else "'public' (the default)"
    if output == root:
        return (
            f"{shown} is the publication root itself; a build replaces its output folder, "
            "which would delete feedpub.yaml, feeds/ and entries/; expected a folder of its own "
            "such as public"
        )
    if root.is_relative_to(output):
        return (
            f"{shown} is {output}, which holds the publication; a build replaces its output "
            "folder, which would delete the publication; expected a folder of its own such as public"
        )
    for name in INPUT_FOLDERS:
        if output.is_relative_to(root / name):
            where = f"the {name}/ folder" if output == root / name else f"inside {name}/"
            return (
                f"{shown} is {where}, which the build reads (a build replaces its output "
                "folder); expected a folder of its own such as public"
            )
    return None


@dataclass(frozen=True)
class Counts:
    written: int = 0
    unchanged: int = 0
    removed: int = 0


def claim(root: Path, output: Path, *, replace: bool) -> None:
    """Return when feedpub may replace ``output``; UsageError (exit 2) when it is someone else's."""
    shown = display_path(output, root) + "/"
    try:
        info = os.stat(output)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _refuse(root, f"{shown} cannot be looked at: {exc.strerror}") from exc
    if not os.path.isdir(output):
        raise _refuse(root, f"{shown} is a file, not a folder; expected a folder for the output")
    if os.path.isfile(output / MARKER) or replace:
        return
    with os.scandir(output) as items:
        if next(items, None) is None:
            return
    if _named_by_stamp(root, info):
        return
    raise _refuse(
        root,
        f"{shown} already holds files that feedpub did not write (it has no {MARKER} "
        "marker), and a build replaces everything in it; choose a new or empty folder, or run "
        "'feedpub build --replace-output' once to hand this folder over to feedpub",
    )


def _named_by_stamp(root: Path, info: os.stat_result) -> bool:
    """The last build stamp (from before the marker existed) names this very folder."""
    from feedpub.stamp import read_stamp

    stamp = read_stamp(root)
    if stamp is None or not stamp.output:
        return False
    return stamp.output.split(":")[:2] == [str(info.st_dev), str(info.st_ino)]


def _refuse(root: Path, message: str) -> UsageError:
    """The problem located at ``output:`` in feedpub.yaml (or at the file, when it is not set)."""
    from feedpub import yamlfile
    from feedpub.fieldcheck import checker_for
    from feedpub.load import SETTINGS_FILE

    checker = checker_for(root, SETTINGS_FILE)
    try:
        data = yamlfile.parse(checker.text)
    except yamlfile.YamlSyntaxError:
        data = None
    if isinstance(data, dict) and "output" in data:
        checker.error(["output"], message)
        problem = checker.problems[0]
    else:
        problem = Problem(Location(SETTINGS_FILE), f"output (not set, so public): {message}")
    return UsageError("the output folder is not feedpub's; nothing was built", [problem])


# --- the atomic swap ------------------------------------------------------------------------
#
# Why RENAME_EXCHANGE and not an output that is a symlink to the current build: the output
# stays a plain folder, as users, web servers (some refuse symlinks), rsync and the publish
# targets expect, and an existing folder needs no one-off, non-atomic conversion into a link.
# renameat2(RENAME_EXCHANGE) (Linux 3.15+, ext4, xfs, btrfs, tmpfs, …) swaps the new folder
# and the old one in one step: at every moment the output path holds a complete build.
# Elsewhere the fallback is two renames; a kill between them leaves the old output under a
# temporary name, and recover() puts it back first thing in the next build.

RENAME_EXCHANGE = 2
AT_FDCWD = -100


def _libc_renameat2() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _libc_renameat2() if sys.platform.startswith("linux") else None


def exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically; False when the system or filesystem cannot (then nothing moved)."""
    if _RENAMEAT2 is None or simulated("no-rename-exchange"):
        return False
    if (
        _RENAMEAT2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
        == 0
    ):
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _temporary(output: Path, kind: str) -> Path:
    """A sibling no other build uses: .public.new-<pid>-<random>."""
    return output.with_name(f".{output.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}")


def _leftovers(output: Path, kind: str) -> list[Path]:
    """Temporary siblings of ``kind`` left by killed builds (and the fixed names of old versions)."""
    try:
        names = os.listdir(output.parent)
    except OSError:
        return []
    prefix = f".{output.name}.{kind}"
    return sorted(
        output.parent / name for name in names if name == prefix or name.startswith(prefix + "-")
    )


def recover(output: Path) -> None:
    """Finish or undo a swap that a killed build left half done (the caller holds the lock)."""
    if not output.exists():
        olds = [p for p in _leftovers(output, "old") if p.is_dir()]
        if olds:  # killed between the two renames of the fallback: the old output comes back
            newest = max(olds, key=lambda p: p.stat().st_mtime_ns)
            os.replace(newest, output)
    for leftover in _leftovers(output, "new") + _leftovers(output, "old"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def write_output(
    output: Path,
    files: Mapping[str, bytes],
    progress: Callable[[str, int, int], None] | None = None,
    *,
    carried: Collection[str] = (),
    old_hashes: Mapping[str, str] | None = None,
    new_hashes: Mapping[str, str] | None = None,
    old_files: set[str] | None = None,
    discard: Discard | None = None,
    staging: Staging | None = None,
) -> Counts:
    """Write ``files`` as the new content of ``output`` in one swap (``progress`` is told
    ("writing", done, total) as files go).

    Unchanged files are hard-linked from the old output so they keep their modification time;
    when nothing changed at all the old folder is left exactly as it is. ``carried`` names
    files of the old output that stay as they are: linked, never read (one that is gone by
    then fails the build, and the next build renders it). With ``old_hashes``
    (the hash of each old file, from the manifest) and ``new_hashes`` (of ``files``), a
    file is unchanged when its hash is, without reading the old one. ``old_files``: what
    ``existing_files(output)`` gave, when the caller has it already. ``discard``: what
    deletes the old output after the swap (by default: at once, before returning).
    ``staging``: the new folder, already holding the pages rendered into it (which are
    neither in ``files`` nor in ``carried``); it is completed and swapped in, or removed.
    """
    new = _temporary(output, "new") if staging is None else staging.path
    staged: Collection[str] = () if staging is None else staging.records
    try:
        if staging is None:
            recover(output)  # (Staging did, before it made its folder)
        if old_files is None:
            old_files = existing_files(output)
        if old_hashes is not None and new_hashes is not None:
            changed = {
                rel
                for rel in files
                if rel not in old_files or old_hashes.get(rel) != new_hashes[rel]
            }
        else:
            changed = {rel for rel, data in files.items() if not _same(output / rel, data)}
        if staging is not None:
            changed |= staging.changed
        removed = old_files - set(files) - set(carried) - set(staged)
        total = len(files) + len(carried) + len(staged)
        counts = Counts(len(changed), total - len(changed), len(removed))
        if not changed and not removed:
            if staging is not None:
                staging.remove()
            if output.is_dir() and not (output / MARKER).is_file():
                _write_new(output / MARKER, MARKER_TEXT)  # an output adopted from before
            return counts
        if staging is None:
            new.mkdir(parents=True)
        else:
            staging.make_folder("")
        if not (_same(output / MARKER, MARKER_TEXT) and _link(output / MARKER, new / MARKER)):
            _write_new(new / MARKER, MARKER_TEXT)
        _fill(new, output, files, carried, changed, progress, total)
        if progress is not None:
            progress("writing", total, total)
        checkpoint("build-swap")
        (discard or _rmtree)(_swap(new, output))
        if staging is not None:
            staging.swapped()
        return counts
    except OSError as exc:
        shutil.rmtree(new, ignore_errors=True)
        recover(output)
        where = exc.filename or output
        raise BuildError(
            f"cannot write the output in {where}: {exc.strerror or exc}; the old output was kept"
        ) from exc


def _fill(
    new: Path,
    output: Path,
    files: Mapping[str, bytes],
    carried: Collection[str],
    changed: Collection[str],
    progress: Callable[[str, int, int], None] | None,
    total: int,
) -> None:
    """Write the changed files into ``new`` and hard-link the others from ``output``, one
    folder at a time through folder descriptors (a third less than linking by path)."""
    by_folder: dict[str, list[str]] = {}
    for rel in [*files, *carried]:
        folder, _, name = rel.rpartition("/")
        by_folder.setdefault(folder, []).append(name)
    done = 0
    for folder in sorted(by_folder):
        prefix = folder + "/" if folder else ""
        target = new / folder if folder else new
        target.mkdir(parents=True, exist_ok=True)
        dest_fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
        try:
            source_fd = _open_folder(output / folder if folder else output)
            try:
                for name in sorted(by_folder[folder]):
                    done += 1
                    if progress is not None and done % 100 == 0:
                        progress("writing", done, total)
                    rel = prefix + name
                    if rel in changed:
                        _write_new(target / name, files[rel], dest_fd)
                    elif source_fd is None or not _link_at(source_fd, name, dest_fd):
                        if rel not in files:
                            raise OSError(
                                errno.ENOENT, "it went missing during the build", str(output / rel)
                            )
                        _write_new(target / name, files[rel], dest_fd)
            finally:
                if source_fd is not None:
                    os.close(source_fd)
        finally:
            os.close(dest_fd)


def _open_folder(path: Path) -> int | None:
    """A descriptor of the old output's folder ``path``, or None when there is none."""
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None


def _link_at(source_fd: int, name: str, dest_fd: int) -> bool:
    try:
        os.link(name, name, src_dir_fd=source_fd, dst_dir_fd=dest_fd)
        return True
    except OSError:
        return False


def _swap(new: Path, output: Path) -> Path | None:
    """Put the complete folder ``new`` at ``output``; the old output is left at the path
    returned, for the caller to delete."""
    if not output.exists():
        os.rename(new, output)  # nothing to replace: one atomic rename
        checkpoint("build-swapped")
        return None
    if exchange(new, output):
        checkpoint("build-swapped")
        return new  # ``new`` now names the old output
    old = _temporary(output, "old")
    os.rename(output, old)
    checkpoint("build-half-swapped")
    os.rename(new, output)
    checkpoint("build-swapped")
    return old


def _rmtree(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


class Discard:
    """Deletes old output folders in a child process (``rm -rf``, on the other core) while
    the build finishes its bookkeeping; ``wait`` returns once every one is gone. A folder a
    killed build leaves half deleted keeps its temporary name: the next ``recover`` removes it."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, subprocess.Popen[bytes] | None]] = []

    def __call__(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            child: subprocess.Popen[bytes] | None = subprocess.Popen(
                ["rm", "-rf", "--", os.fspath(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:  # no rm: deleted here, when waited for
            child = None
        self._pending.append((path, child))

    def wait(self) -> None:
        while self._pending:
            path, child = self._pending.pop()
            if child is not None:
                child.wait()
            _rmtree(path)  # whatever rm could not delete (or all of it, without rm)


def existing_files(output: Path) -> set[str]:
    """Every file under ``output`` (but the marker), relative to it."""
    found: set[str] = set()
    for directory, _subdirs, names in os.walk(output):
        prefix = os.path.relpath(directory, output).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        found.update(prefix + name for name in names)
    found.discard(MARKER)
    return found


def _same(path: Path, data: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size != len(data):
                return False
            return handle.read() == data
    except OSError:
        return False


def _write_new(path: Path, data: bytes, folder_fd: int | None = None) -> None:
    """Create the file ``path`` (it must not exist yet) holding ``data``; with ``folder_fd``,
    the file ``path.name`` in that open folder. An OSError names ``path``."""
    # Plain os calls: creating files dominates a cold build on slow disks, so skip the
    # buffered-file layer (the folder is new, so the file cannot exist yet).
    try:
        fd = os.open(
            path if folder_fd is None else path.name,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL,
            0o644,
            dir_fd=folder_fd,
        )
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def _link(source: Path, dest: Path) -> bool:
    try:
        os.link(source, dest)
        return True
    except OSError:
        return False
