"""The mini publication's output pinned byte for byte; FEEDPUB_UPDATE_GOLDEN=1 rewrites the files."""

from __future__ import annotations

import os
from pathlib import Path

from feedpub.load import load_publication
from feedpub.pipeline import render_publication
from tests.conftest import NOW

GOLDEN = Path(__file__).parent / "golden"


def test_output_matches_golden_files(mini: Path) -> None:
    files = render_publication(load_publication(mini), NOW)
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


def test_two_renders_are_byte_identical(mini: Path) -> None:
    first = render_publication(load_publication(mini), NOW)
    second = render_publication(load_publication(mini), NOW)
    assert first == second
