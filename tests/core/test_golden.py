"""The mini publication's output pinned byte for byte, as `feedpub build` writes it (worker
processes, parse cache and ledger on); FEEDPUB_UPDATE_GOLDEN=1 rewrites the files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from feedpub import entries
from feedpub.pipeline import build
from feedpub.render import farm
from feedpub.render.manifest import MANIFEST_FILE
from tests.conftest import NOW

GOLDEN = Path(__file__).parent / "golden"
# Files a build writes for its own bookkeeping, not for readers.
BOOKKEEPING = {".feedpub-output"}


def built_files(output: Path) -> dict[str, bytes]:
    return {
        p.relative_to(output).as_posix(): p.read_bytes()
        for p in sorted(output.rglob("*"))
        if p.is_file() and p.name not in BOOKKEEPING
    }


def assert_golden(files: dict[str, bytes]) -> None:
    if os.environ.get("FEEDPUB_UPDATE_GOLDEN") == "1":
        for rel, data in files.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    expected = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    assert set(files) == expected
    for rel in sorted(files):
        assert files[rel] == (GOLDEN / rel).read_bytes(), (
            f"{rel} differs from tests/core/golden/{rel}"
        )


def test_cold_build_on_worker_processes_matches_golden_files(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The mini publication is small: make the build compile it on worker processes anyway,
    # the path a real publication's cold build takes.
    monkeypatch.setattr(entries, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(entries, "worker_count", lambda: 2)
    # ... and render its pages on them
    monkeypatch.setattr(farm, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(farm, "BATCH", 1)
    monkeypatch.setattr(farm, "worker_count", lambda: 2)
    result = build(mini, now=NOW)
    assert result.entries > 0
    assert_golden(built_files(mini / "public"))


def manifest_of(root: Path) -> tuple[object, object]:
    """What .feedpub/pages.json says of the pages (but the inode and time of each file)."""
    data = json.loads((root / MANIFEST_FILE).read_text(encoding="utf-8"))
    return data["reads"], {rel: record[:3] for rel, record in data["files"].items()}


@pytest.mark.parametrize("workers", [2, 3])
def test_pages_on_worker_processes_are_recorded_as_in_process(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    other = tmp_path / "farmed"
    shutil.copytree(mini, other)
    build(mini, now=NOW)
    monkeypatch.setattr(farm, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(farm, "BATCH", 1)
    monkeypatch.setattr(farm, "worker_count", lambda: workers)
    build(other, now=NOW)
    assert built_files(other / "public") == built_files(mini / "public")
    assert manifest_of(other) == manifest_of(mini)
    # and a rebuild after an edit renders only what changed, as in-process
    talks = other / "entries" / "2025" / "talks.yaml"
    talks.write_text(talks.read_text().replace("Talks resume", "Talks resume in Istanbul"))
    assert build(other, now=NOW).written == 12


def test_rebuild_from_the_cache_matches_golden_files(mini: Path) -> None:
    build(mini, now=NOW)
    # Every entry now comes from the parse cache; force a full render and swap of them.
    (mini / "public" / "index.html").write_bytes(b"stale")
    build(mini, now=NOW, force=True)
    assert_golden(built_files(mini / "public"))


def test_two_builds_are_byte_identical(mini: Path, tmp_path: Path) -> None:
    build(mini, now=NOW)
    first = built_files(mini / "public")
    other = tmp_path / "again"
    mini.rename(other)
    build(other, now=NOW, force=True)
    assert built_files(other / "public") == first
