"""One writer at a time, and a swap that always leaves a complete output (real processes, SIGKILL)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.output import recover
from feedpub.pipeline import build
from tests.conftest import SETTINGS, WritePub
from tests.safety.helpers import around, contents, feedpub, kill, start_paused

NOW = "2026-01-01T00:00:00Z"
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)
ENTRIES = 450  # past the thresholds for worker processes (entries 200, pages 400)


def generated(write_pub: WritePub, count: int) -> Path:
    root = write_pub(entries={"a.yaml": "title: First\npublished: 2025-01-01\n"})
    folder = root / "entries" / "gen"
    folder.mkdir()
    for i in range(count):
        (folder / f"e{i:05d}.yaml").write_text(
            f"title: Entry {i}\npublished: 2025-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z\n"
            f"tags: [t{i % 7}]\nsummary: Lead paragraph {i} with **bold** text.\n"
        )
    return root


def test_two_builds_at_once_both_finish_and_the_output_is_complete(write_pub: WritePub) -> None:
    root = generated(write_pub, ENTRIES)
    command = [sys.executable, "-m", "feedpub", "build", "--force", "--now", NOW]
    env = {**os.environ, "FEEDPUB_LOCK_WAIT": "120"}
    first, second = (
        subprocess.Popen(
            [*command, "--root", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    )
    for process in (first, second):
        out, err = process.communicate(timeout=120)
        assert (process.returncode, err) == (0, "")
        assert out.startswith(("built 1 feed from 451 entries", "public/ is up to date"))
    pages = list((root / "public" / "entries").iterdir())
    assert len(pages) == ENTRIES + 1
    assert [p.name for p in root.iterdir() if p.name.startswith(".public")] == []
    # complete and right: a third build, deterministic, has nothing to write or remove
    again = build(root, now=MOMENT, force=True)
    assert (again.written, again.removed) == (0, 0)


def lock_holder(root: Path, tmp_path: Path) -> subprocess.Popen[str]:
    return start_paused(root, "locked", tmp_path / "paused", "run", "--no-pull", "--now", NOW)


@pytest.mark.parametrize("command", ["build", "publish"])
def test_a_second_writer_exits_3_naming_the_holder(
    write_pub: WritePub, tmp_path: Path, command: str
) -> None:
    root = write_pub(
        settings=SETTINGS + f"targets:\n  local:\n    url: file://{tmp_path / 'www'}\n"
    )
    build(root, now=MOMENT)
    holder = lock_holder(root, tmp_path)
    try:
        before = around(root)
        done = feedpub(root, command, env={"FEEDPUB_LOCK_WAIT": "0"})
        assert done.returncode == 3
        lock = root / ".feedpub" / "run.lock"
        assert re.fullmatch(
            rf"feedpub: another feedpub run holds {re.escape(str(lock))} \(pid {holder.pid} "
            rf"since [0-9T:+-]+\); not starting {command}\n",
            done.stderr,
        ), done.stderr
        assert around(root) == before
        waited = feedpub(root, command, env={"FEEDPUB_LOCK_WAIT": "0.3"})
        assert waited.returncode == 3
        assert waited.stderr.endswith(f"); waited 0.3 s; not starting {command}\n")
    finally:
        kill(holder)
    done = feedpub(root, command)
    assert done.returncode == 0, done.stderr


STEPS = [
    ("", "build-swap", "old"),
    ("", "build-swapped", "new"),
    ("no-rename-exchange", "build-swap", "old"),
    ("no-rename-exchange", "build-half-swapped", "old after recovery"),
    ("no-rename-exchange", "build-swapped", "new"),
]


@pytest.mark.parametrize(("simulate", "step", "expect"), STEPS)
def test_a_kill_at_every_step_of_the_swap_leaves_a_complete_output(
    write_pub: WritePub, tmp_path: Path, simulate: str, step: str, expect: str
) -> None:
    root = write_pub()
    build(root, now=MOMENT)
    old = contents(root / "public")
    entry = root / "entries" / "a.yaml"
    entry.write_text(entry.read_text().replace("An entry", "An edited entry"))
    expected = tmp_path / "expected"
    shutil.copytree(root, expected, ignore=shutil.ignore_patterns("public", ".feedpub"))
    build(expected, now=MOMENT)
    new = contents(expected / "public")
    assert new != old

    env = {"FEEDPUB_SIMULATE": simulate}
    kill(start_paused(root, step, tmp_path / "paused", "build", "--now", NOW, env=env))
    if expect == "old after recovery":
        # only without an atomic exchange: the old output waits under its temporary name,
        # and the next build (here: recover alone) puts it back before anything else
        assert not (root / "public").exists()
        recover(root / "public")
        expect = "old"
    assert contents(root / "public") == (old if expect == "old" else new)
    done = feedpub(root, "build", "--now", NOW, env=env)
    assert done.returncode == 0, done.stderr
    assert contents(root / "public") == new
    assert [p.name for p in root.iterdir() if p.name.startswith(".public")] == []
