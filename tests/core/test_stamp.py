"""A build whose inputs did not change stops before reading any entry; anything doubtful rebuilds."""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub import assemble
from feedpub.pipeline import build
from tests.conftest import NOW


def age_inputs(root: Path) -> None:
    """Move every input's mtime an hour back, so the build after it is not 'racy'."""
    past = time.time() - 3600
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = assemble.compile_entries

    def compile_entries(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(assemble, "compile_entries", compile_entries)
    return calls


def test_unchanged_inputs_skip_all_work(mini: Path, counted: list[int]) -> None:
    age_inputs(mini)
    first = build(mini, now=NOW)
    second = build(mini, now=NOW)
    assert len(counted) == 1
    assert not second.changed and second.fingerprint == first.fingerprint
    assert second.summary() == "public/ is up to date (2 entries, 2 feeds)"


def test_an_edited_entry_is_noticed(mini: Path, counted: list[int]) -> None:
    age_inputs(mini)
    build(mini, now=NOW)
    talks = mini / "entries" / "2025" / "talks.yaml"
    talks.write_text(talks.read_text().replace("resume", "resumé"))
    assert build(mini, now=NOW).changed and len(counted) == 2


def test_inputs_touched_just_before_a_build_are_not_trusted(mini: Path, counted: list[int]) -> None:
    talks = mini / "entries" / "2025" / "talks.yaml"
    talks.write_text(
        talks.read_text()
    )  # written a moment ago: an edit could hide in that clock tick
    build(mini, now=NOW)
    build(mini, now=NOW)
    assert len(counted) == 2


def test_a_scheduled_entry_falling_due_rebuilds(mini: Path, counted: list[int]) -> None:
    age_inputs(mini)
    build(mini, now=NOW)
    later = build(mini, now=datetime(2030, 1, 1, 9, tzinfo=UTC))
    assert later.changed and (mini / "public" / "entries" / "future.html").exists()
    earlier = build(mini, now=NOW)  # and back: the entry leaves again
    assert earlier.changed and not (mini / "public" / "entries" / "future.html").exists()
    assert len(counted) == 3


def test_a_replaced_output_folder_rebuilds(mini: Path, counted: list[int]) -> None:
    age_inputs(mini)
    build(mini, now=NOW)
    shutil.rmtree(mini / "public")
    assert build(mini, now=NOW).written == 21
    assert build(mini, now=NOW, force=True).changed is False
    assert len(counted) == 3


def test_an_output_symlink_pointed_elsewhere_rebuilds(mini: Path, counted: list[int]) -> None:
    """The stamp stands only for the folder feedpub.yaml's output names now."""
    (mini / "site-a").mkdir()
    (mini / "site-b").mkdir()
    (mini / "public").symlink_to("site-a")
    age_inputs(mini)
    build(mini, now=NOW)
    assert (mini / "site-a" / "index.html").is_file()
    assert build(mini, now=NOW).changed is False
    (mini / "public").unlink()
    (mini / "public").symlink_to("site-b")
    again = build(mini, now=NOW)
    assert again.output == mini / "site-b" and again.changed
    assert (mini / "site-b" / "index.html").is_file()
    assert len(counted) == 2


def test_a_build_with_nothing_to_do_imports_no_renderer(mini: Path) -> None:
    """The answer comes from the stamp before Jinja2, lxml, feedgen or the loader load."""
    import subprocess
    import sys

    age_inputs(mini)
    build(mini, now=NOW)
    script = (
        "import sys\n"
        "from feedpub.cli import main\n"
        f"code = main(['--root', {str(mini)!r}, 'build', '--now', {NOW.isoformat()!r}])\n"
        "heavy = ('jinja2', 'lxml', 'feedgen', 'markdown_it', 'nh3', 'yaml')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy\n"
        "    or m in ('feedpub.load', 'feedpub.entries', 'feedpub.assemble'))\n"
        "print(code, loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert (done.stdout, done.stderr) == (
        "public/ is up to date (2 entries, 2 feeds)\n0 []\n",
        "",
    )
