"""`feedpub init` and `feedpub new` write only new files, only inside the publication: never over a
file that is there, never through a symbolic link out of it (real processes, real files)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import WritePub
from tests.safety.helpers import feedpub, tree_state

NOW = "2026-01-01T00:00:00Z"


def init(target: Path) -> tuple[int, str]:
    done = feedpub(target, "init", str(target))
    assert "Traceback" not in done.stderr
    return done.returncode, done.stderr


def test_new_does_not_write_through_a_year_folder_linked_out_of_the_publication(
    write_pub: WritePub, tmp_path: Path
) -> None:
    root = write_pub()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, root / "entries" / "2026")
    before = tree_state(tmp_path)
    done = feedpub(root, "new", "Talks resume", "--now", NOW)
    assert done.returncode == 2
    assert done.stderr == (
        f"entries/2026: error: is a symlink to {outside}, outside the publication; only files "
        "inside the publication root are read, so it was not followed\n"
        "feedpub: 1 problem in entries/; nothing was written\n"
    )
    assert tree_state(tmp_path) == before


def test_new_does_not_write_through_a_dangling_link_in_place_of_its_file(
    write_pub: WritePub, tmp_path: Path
) -> None:
    root = write_pub()
    (root / "entries" / "2026").mkdir()
    target = tmp_path / "planted.yaml"
    os.symlink(target, root / "entries" / "2026" / "talks-resume.yaml")
    done = feedpub(root, "new", "Talks resume", "--now", NOW)
    assert done.returncode == 2
    assert done.stderr.startswith("entries/2026/talks-resume.yaml: error: is a symlink to ")
    assert done.stderr.endswith("feedpub: 1 problem in entries/; nothing was written\n")
    assert not target.exists()


def test_new_skips_names_taken_anywhere_under_entries(write_pub: WritePub) -> None:
    root = write_pub()
    (root / "entries" / "2019").mkdir()
    (root / "entries" / "2019" / "talks-resume.yaml").write_text("kept\n")
    done = feedpub(root, "new", "Talks resume", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(root / "entries" / "2026" / "talks-resume-2.yaml")
    assert (root / "entries" / "2019" / "talks-resume.yaml").read_text() == "kept\n"


def test_init_never_overwrites_a_file_that_is_there(tmp_path: Path) -> None:
    target = tmp_path / "pub"
    (target / "feeds").mkdir(parents=True)
    (target / "feeds" / "all.yaml").write_text("title: Mine\n")
    before = tree_state(tmp_path)
    code, err = init(target)
    assert code == 2
    assert err == (
        f"feedpub: {target / 'feeds' / 'all.yaml'} already exists; init writes only new files, "
        "so nothing was written\n"
    )
    assert tree_state(tmp_path) == before


def test_init_does_not_write_through_a_folder_linked_out(tmp_path: Path) -> None:
    target = tmp_path / "pub"
    target.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, target / "entries")
    before = tree_state(tmp_path)
    code, err = init(target)
    assert code == 2
    assert err == (
        f"feedpub: {target / 'entries'} is a symbolic link out of {target}; not writing "
        "through it, so nothing was written\n"
    )
    assert tree_state(tmp_path) == before


def test_init_keeps_a_gitignore_that_is_there(tmp_path: Path) -> None:
    target = tmp_path / "pub"
    target.mkdir()
    (target / ".gitignore").write_text("mine\n")
    code, err = init(target)
    assert (code, err) == (0, "")
    assert (target / ".gitignore").read_text() == "mine\n"
