"""Inputs come only from regular files inside the publication: symlinks out, loops, dangling links,
FIFOs, devices and unreadable folders are errors with their path (real processes, real files)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.pipeline import build
from tests.conftest import ENTRY, WritePub
from tests.needs import unavailable
from tests.safety.helpers import around, feedpub

NOW = "2026-01-01T00:00:00Z"
SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI"
OUTSIDE = (
    "outside the publication; only files inside the publication root are read, so it was not "
    "followed"
)
SUMMARY = "feedpub: {n} problem{s} in the publication; nothing was built\n"


@pytest.fixture
def built(write_pub: WritePub, tmp_path: Path) -> Path:
    """A publication built once, with a secret file next to it (outside its root)."""
    root = write_pub()
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "shadow").write_text(SECRET + "\n")
    (root / "static").mkdir()
    (root / "static" / "logo.png").write_bytes(b"png")
    build(root, now=datetime(2026, 1, 1, tzinfo=UTC))
    return root


def fails(root: Path, *problems: str) -> None:
    """A build exits 2 with exactly ``problems``, echoes no secret, and changes nothing at all."""
    before = around(root)
    done = feedpub(root, "build", "--force", "--now", NOW, timeout=30)
    n = len(problems)
    assert done.returncode == 2
    assert done.stderr == "".join(p + "\n" for p in problems) + SUMMARY.format(
        n=n, s="s" if n != 1 else ""
    )
    assert SECRET not in done.stdout + done.stderr
    assert around(root) == before  # the old output included
    assert "Traceback" not in done.stderr


def test_static_symlink_to_a_secret_file_is_not_followed(built: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "secret.txt", built / "static" / "env.txt")
    fails(built, f"static/env.txt: error: is a symlink to {tmp_path / 'secret.txt'}, {OUTSIDE}")
    assert not (built / "public" / "env.txt").exists()


def test_static_symlink_to_proc_environ_is_not_followed(built: Path) -> None:
    os.symlink("/proc/self/environ", built / "static" / "env.txt")
    before = around(built)
    done = feedpub(built, "build", "--force", "--now", NOW, env={"AWS_SECRET_ACCESS_KEY": SECRET})
    assert done.returncode == 2
    assert done.stderr.startswith("static/env.txt: error: is a symlink to /proc/")
    assert OUTSIDE in done.stderr and SECRET not in done.stderr + done.stdout
    assert around(built) == before


def test_static_symlinked_folder_outside_is_not_followed(built: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "etc", built / "static" / "etc")
    fails(built, f"static/etc: error: is a symlink to {tmp_path / 'etc'}, {OUTSIDE}")


def test_entry_symlink_to_a_secret_is_not_read_or_echoed(built: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "secret.txt", built / "entries" / "leak.yaml")
    fails(built, f"entries/leak.yaml: error: is a symlink to {tmp_path / 'secret.txt'}, {OUTSIDE}")


def test_settings_symlink_outside_is_refused(built: Path, tmp_path: Path) -> None:
    shutil.move(built / "feedpub.yaml", tmp_path / "settings.yaml")
    os.symlink(tmp_path / "settings.yaml", built / "feedpub.yaml")
    before = around(built)
    done = feedpub(built, "build", "--now", NOW)
    assert (done.returncode, done.stderr) == (
        2,
        f"feedpub.yaml: error: is a symlink to {tmp_path / 'settings.yaml'}, {OUTSIDE}\n"
        "feedpub: feedpub.yaml has problems\n",
    )
    assert around(built) == before


@pytest.mark.parametrize("folder", ["entries", "static"])
def test_symlink_loops_are_errors(built: Path, folder: str) -> None:
    os.symlink("ring", built / folder / "loop.yaml")
    os.symlink("loop.yaml", built / folder / "ring")
    (built / folder / "sub").mkdir()
    os.symlink("..", built / folder / "sub" / "up")
    fails(
        built,
        f"{folder}/loop.yaml: error: is a symlink loop; remove it",
        f"{folder}/ring: error: is a symlink loop; remove it",
        f"{folder}/sub/up: error: is a symlink loop (it leads back to a folder it is in); remove it",
    )


@pytest.mark.parametrize("folder", ["entries", "feeds", "static"])
def test_dangling_symlinks_are_errors(built: Path, folder: str) -> None:
    os.symlink("gone.yaml", built / folder / "x.yaml")
    fails(
        built,
        f"{folder}/x.yaml: error: is a symlink to gone.yaml, which does not exist; remove it "
        "or point it at a file inside the publication",
    )


@pytest.mark.parametrize("folder", ["entries", "feeds", "static"])
def test_fifo_is_an_error_and_never_opened(built: Path, folder: str) -> None:
    os.mkfifo(built / folder / "pipe.yaml")
    fails(
        built,
        f"{folder}/pipe.yaml: error: is a FIFO (named pipe); expected a regular file (it was not "
        "read)",
    )


def test_device_is_an_error(built: Path) -> None:
    try:
        os.mknod(built / "static" / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        unavailable("cannot create a device node here (mknod needs CAP_MKNOD)")
    fails(
        built,
        "static/null: error: is a character device; expected a regular file (it was not read)",
    )


def test_symlinks_inside_the_root_are_followed(built: Path) -> None:
    (built / "shared").mkdir()
    (built / "shared" / "b.yaml").write_text(ENTRY.replace("An entry", "Shared entry"))
    (built / "shared" / "icon.png").write_bytes(b"icon")
    os.symlink("../shared/b.yaml", built / "entries" / "b.yaml")
    os.symlink("../shared", built / "static" / "shared")
    done = feedpub(built, "build", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert (built / "public" / "entries" / "b.html").is_file()
    assert (built / "public" / "shared" / "icon.png").read_bytes() == b"icon"
    assert not (built / "public" / "shared").is_symlink()


def test_unreadable_folder_under_entries_is_an_error(built: Path) -> None:
    private = built / "entries" / "private"
    private.mkdir()
    (private / "b.yaml").write_text(ENTRY)
    private.chmod(0)
    args = []
    if os.geteuid() == 0:  # root reads any folder: take that power away from the build
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            unavailable("setpriv (util-linux) is needed to drop root's read override")
        args = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    try:
        before = around(built)
        done = subprocess.run(
            [*args, sys.executable, "-m", "feedpub", "build", "--now", NOW, "--root", str(built)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2
        assert done.stderr == (
            "entries/private/: error: cannot read folder: Permission denied; its files would be "
            "left out of the site (and removed from the targets by the next publish), so nothing "
            "was built\n" + SUMMARY.format(n=1, s="")
        )
        assert around(built) == before
    finally:
        private.chmod(0o755)
