"""Finished Related blocks are kept between builds: a rebuild renders only the blocks whose
entry or related entries changed, and its output stays what a cold build writes."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feedpub.assemble import RELATED_CACHE
from feedpub.pipeline import build
from feedpub.render.templating import Templates
from tests.conftest import NOW
from tests.core.test_incremental import pub, rebuild_matches_cold, write_entry

__all__ = ["pub"]  # the fixture, used by name


@pytest.fixture
def related_renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The ids of the entries whose Related block was rendered with related entries in it
    (not the empty block render_local makes), build after build."""
    ids: list[str] = []
    real = Templates.render_block

    def render_block(self: Templates, name: str, context: Any, block: str) -> str:
        if block == "related" and context["entry"].related:
            ids.append(context["entry"].id)
        return real(self, name, context, block)

    monkeypatch.setattr(Templates, "render_block", render_block)
    yield ids


def test_only_blocks_whose_inputs_changed_are_rendered_again(
    pub: Path, tmp_path: Path, related_renders: list[str]
) -> None:
    build(pub, now=NOW)
    assert sorted(related_renders) == ["e2", "e3", "e5"]
    assert (pub / RELATED_CACHE).is_file()
    related_renders.clear()
    write_entry(pub, 4, "Entry four, renamed")  # named by e3 only
    changed = rebuild_matches_cold(pub, tmp_path)
    assert "entries/e3.html" in changed
    # The rebuild rendered e3's block; the cold build of the copy rendered all three.
    assert sorted(related_renders) == ["e2", "e3", "e3", "e5"]
    related_renders.clear()
    write_entry(pub, 3, "Entry three, renamed", (4,))  # its own view changed
    rebuild_matches_cold(pub, tmp_path)
    assert sorted(related_renders) == ["e2", "e3", "e3", "e5"]
    related_renders.clear()
    write_entry(pub, 7, "Entry seven, renamed")  # shown in no Related block
    rebuild_matches_cold(pub, tmp_path)
    assert sorted(related_renders) == ["e2", "e3", "e5"]  # the cold build's only


@pytest.mark.parametrize(
    "content",
    [
        b"not a pickle",
        pickle.dumps({"scope": b"another", "blocks": {}}),
        pickle.dumps({"scope": None, "blocks": {b"k": ("only one",)}}),
        pickle.dumps(["a", "list"]),
    ],
)
def test_a_broken_or_foreign_cache_only_costs_time(
    pub: Path, tmp_path: Path, related_renders: list[str], content: bytes
) -> None:
    build(pub, now=NOW)
    (pub / RELATED_CACHE).write_bytes(content)
    related_renders.clear()
    write_entry(pub, 1, "Entry one, renamed")
    changed = rebuild_matches_cold(pub, tmp_path)
    assert {"entries/e2.html", "entries/e5.html"} <= changed
    assert sorted(related_renders) == ["e2", "e2", "e3", "e3", "e5", "e5"]


def test_blocks_from_other_settings_are_not_used(pub: Path, tmp_path: Path) -> None:
    build(pub, now=NOW)
    settings = pub / "feedpub.yaml"
    settings.write_text(settings.read_text().replace("inc.example.org", "moved.example.org"))
    rebuild_matches_cold(pub, tmp_path)
    page = (pub / "public" / "entries" / "e2.html").read_text()
    assert 'href="https://moved.example.org/entries/e1.html"' in page
    assert "inc.example.org" not in page
