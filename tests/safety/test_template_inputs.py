"""templates/ is read like every other input: a symlink out of the publication, a loop, a
dangling link or a FIFO is an error with its path (exit 2), never followed, never echoed;
`feedpub templates copy` never writes through a link (real processes, real files)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.pipeline import build
from tests.conftest import WritePub
from tests.safety.helpers import around, feedpub

NOW = "2026-01-01T00:00:00Z"
SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI"
OUTSIDE = (
    "outside the publication; only files inside the publication root are read, so it was not "
    "followed"
)
BUILT = "feedpub: {n} problem{s} in the templates; nothing was built\n"


@pytest.fixture
def built(write_pub: WritePub, tmp_path: Path) -> Path:
    """A publication with one template override, built once; a secret file next to it."""
    root = write_pub()
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    (root / "templates").mkdir()
    (root / "templates" / "home.html").write_text(
        '{% extends "feedpub/home.html" %}\n{% block title %}Home{% endblock %}\n'
    )
    build(root, now=datetime(2026, 1, 1, tzinfo=UTC))
    return root


def fails(
    root: Path, *problems: str, args: tuple[str, ...] = ("build", "--force", "--now", NOW)
) -> str:
    """``feedpub ARGS`` exits 2 with ``problems`` first, echoes no secret, changes nothing."""
    before = around(root)
    done = feedpub(root, *args, timeout=30)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("".join(p + "\n" for p in problems))
    assert SECRET not in done.stderr
    assert "Traceback" not in done.stderr
    assert around(root) == before  # the old output included
    return done.stderr[len("".join(p + "\n" for p in problems)) :]


def test_a_template_symlinked_to_a_secret_is_not_read(built: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "secret.txt", built / "templates" / "entry.html")
    rest = fails(
        built, f"templates/entry.html: error: is a symlink to {tmp_path / 'secret.txt'}, {OUTSIDE}"
    )
    assert rest == BUILT.format(n=1, s="")


def test_a_templates_folder_symlinked_out_is_not_followed(built: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "home.html").write_text(SECRET)
    (built / "templates" / "home.html").unlink()
    (built / "templates").rmdir()
    os.symlink(tmp_path / "elsewhere", built / "templates")
    rest = fails(built, f"templates/: error: is a symlink to {tmp_path / 'elsewhere'}, {OUTSIDE}")
    assert rest == BUILT.format(n=1, s="")


def test_template_symlink_loops_are_errors(built: Path) -> None:
    os.symlink("ring.html", built / "templates" / "loop.html")
    os.symlink("loop.html", built / "templates" / "ring.html")
    (built / "templates" / "parts").mkdir()
    os.symlink("..", built / "templates" / "parts" / "up")
    rest = fails(
        built,
        "templates/loop.html: error: is a symlink loop; remove it",
        "templates/parts/up: error: is a symlink loop (it leads back to a folder it is in); "
        "remove it",
        "templates/ring.html: error: is a symlink loop; remove it",
    )
    assert rest == BUILT.format(n=3, s="s")


def test_a_dangling_template_symlink_is_an_error(built: Path) -> None:
    os.symlink("gone.html", built / "templates" / "entry.html")
    rest = fails(
        built,
        "templates/entry.html: error: is a symlink to gone.html, which does not exist; remove "
        "it or point it at a file inside the publication",
    )
    assert rest == BUILT.format(n=1, s="")


def test_a_template_fifo_is_an_error_and_never_opened(built: Path) -> None:
    os.mkfifo(built / "templates" / "entry.html")
    rest = fails(
        built,
        "templates/entry.html: error: is a FIFO (named pipe); expected a regular file (it was "
        "not read)",
    )
    assert rest == BUILT.format(n=1, s="")


def test_templates_copy_never_writes_through_a_link_out(built: Path, tmp_path: Path) -> None:
    """`templates copy --force` used to overwrite the file a link in templates/ pointed at."""
    os.symlink(tmp_path / "secret.txt", built / "templates" / "base.html")
    os.symlink(tmp_path / "new.txt", built / "templates" / "entry.html")
    rest = fails(
        built,
        f"templates/base.html: error: is a symlink to {tmp_path / 'secret.txt'}, {OUTSIDE}",
        f"templates/entry.html: error: is a symlink to {tmp_path / 'new.txt'}, which does not "
        "exist; remove it or point it at a file inside the publication",
        args=("templates", "copy", "--force", "base.html", "entry.html"),
    )
    assert rest == "feedpub: 2 problems in templates/; nothing was copied\n"
    assert (tmp_path / "secret.txt").read_text() == SECRET + "\n"
    assert not (tmp_path / "new.txt").exists()


def test_templates_copy_replaces_a_link_inside_not_its_target(built: Path) -> None:
    os.symlink("home.html", built / "templates" / "base.html")
    home = (built / "templates" / "home.html").read_bytes()
    done = feedpub(built, "templates", "copy", "--force", "base.html")
    assert (done.returncode, done.stderr) == (0, "")
    assert not (built / "templates" / "base.html").is_symlink()
    assert (built / "templates" / "home.html").read_bytes() == home
