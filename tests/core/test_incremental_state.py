"""Incremental builds after any run of edits, additions, deletions and renames equal cold builds.

A hypothesis state machine keeps one publication and changes it step by step: entries are
added, edited, deleted and renamed (ids kept or not), templates and settings change. After
every step the publication is built where it is (its parse cache, ledger, stamp and old output
all in play) and, from a copy of the same inputs, cold into a fresh folder. The two output
folders must hold the same files byte for byte, or both builds must fail with the same message.

FEEDPUB_STATE_EXAMPLES raises the number of runs (default 6) for a longer search.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib.resources import files as package_files
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from feedpub.errors import FeedpubError
from feedpub.pipeline import build
from tests.conftest import NOW

IDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta")
FOLDERS = ("", "2025/", "2026/")
TAGS = ("trade", "war", "food")
WORDS = ("talks", "grain", "deal", "ceasefire", "port", "vote", "ships", "envoy")
SOURCES = (
    "https://example.org/a",
    "https://example.org/b",
    "https://news.example.net/story",
)
# Inputs copied for the cold build; the ledger as the incremental build found it.
INPUTS = ("feedpub.yaml", "feeds", "entries", "static", "templates", "feedpub.ledger")

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
tags = st.lists(st.sampled_from(TAGS), max_size=2, unique=True)
published = st.builds(
    "2025-{:02d}-{:02d}T{:02d}:00:00Z".format,
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
)
fields = st.fixed_dictionaries(
    {"title": words, "summary": words, "published": published, "tags": tags},
    optional={
        "updated": st.just("2025-12-30T09:00:00Z"),
        "draft": st.booleans(),
        "sections": st.lists(
            st.fixed_dictionaries(
                {"heading": words, "text": words, "points": st.lists(words, max_size=2)}
            ),
            min_size=1,
            max_size=2,
        ),
        "sources": st.dictionaries(
            st.sampled_from(("src", "ref")), st.sampled_from(SOURCES), min_size=1
        ),
        "author": st.sampled_from(("Desk One", "Desk Two")),
    },
)


def settings_text(page_size: int) -> str:
    return (
        "title: State Briefings\n"
        "base_url: https://state.example.org/\n"
        "timezone: UTC\n"
        "since: 2025\n"
        "author: {name: State Desk}\n"
        f"page_size: {page_size}\n"
    )


FEEDS = {
    "all.yaml": "title: Everything\n",
    "trade.yaml": "title: Trade\ntags: [trade]\nlimit: 2\narchive: true\n",
}


def read_tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def outcome(root: Path, *, force: bool) -> tuple[str, dict[str, bytes]]:
    """("", output files) after a build, or (the error with paths made relative, {})."""
    try:
        build(root, now=NOW, force=force)
    except FeedpubError as exc:
        return str(exc).replace(str(root), "<root>") + "".join(
            f"\n{p}" for p in getattr(exc, "problems", ())
        ), {}
    return "", read_tree(root / "public")


def default_template(name: str) -> str:
    return package_files("feedpub").joinpath(f"templates/{name}").read_text(encoding="utf-8")


class IncrementalBuilds(RuleBasedStateMachine):
    """One publication changed step by step; each step's build compared with a cold one."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="feedpub-state-"))
        self.root = self.folder / "pub"
        self.entries: dict[str, dict[str, Any]] = {}  # id -> fields
        self.paths: dict[str, str] = {}  # id -> path under entries/
        self.explicit: set[str] = set()  # ids given with `id:` (renamed files that kept them)
        self.clock = 1_700_000_000  # mtimes written when a step backdates its files
        self.step = 0

    @initialize(backdate=st.booleans())
    def start(self, backdate: bool) -> None:
        self.backdate = backdate
        self.write("feedpub.yaml", settings_text(2))
        for name, text in FEEDS.items():
            self.write(f"feeds/{name}", text)
        (self.root / "entries").mkdir(parents=True)
        first = {"title": "grain deal", "summary": "port", "published": "2025-03-01T10:00:00Z"}
        self.add_entry_named("alpha", "2025/", {**first, "tags": ["trade"]})

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    # ---- writing inputs -------------------------------------------------------------

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if self.backdate:
            # Old, distinct mtimes: the caches trust size and mtime instead of rereading.
            self.clock += 7
            os.utime(path, ns=(self.clock * 10**9, self.clock * 10**9))

    def write_entry(self, entry_id: str) -> None:
        data = dict(self.entries[entry_id])
        if entry_id in self.explicit:
            data = {"id": entry_id, **data}
        related = [other for other in data.pop("related", []) if other in self.entries]
        if related:
            data["related"] = related
        self.write(f"entries/{self.paths[entry_id]}", yaml.safe_dump(data, sort_keys=False))

    def add_entry_named(self, entry_id: str, folder: str, data: dict[str, Any]) -> None:
        self.entries[entry_id] = data
        self.paths[entry_id] = f"{folder}{entry_id}.yaml"
        self.write_entry(entry_id)

    def referencing(self, entry_id: str) -> list[str]:
        return [
            other for other, data in self.entries.items() if entry_id in data.get("related", [])
        ]

    # ---- steps ------------------------------------------------------------------------

    @precondition(lambda self: len(self.entries) < len(IDS))
    @rule(data=st.data(), folder=st.sampled_from(FOLDERS), values=fields)
    def add(self, data: st.DataObject, folder: str, values: dict[str, Any]) -> None:
        entry_id = data.draw(st.sampled_from([i for i in IDS if i not in self.entries]))
        if f"{folder}{entry_id}.yaml" in self.paths.values():
            return  # a renamed entry that kept its id lives there
        others = sorted(self.entries)
        if others:
            values["related"] = data.draw(
                st.lists(st.sampled_from(others), max_size=2, unique=True)
            )
        self.add_entry_named(entry_id, folder, values)

    @precondition(lambda self: bool(self.entries))
    @rule(data=st.data(), values=fields)
    def edit(self, data: st.DataObject, values: dict[str, Any]) -> None:
        entry_id = data.draw(st.sampled_from(sorted(self.entries)))
        field = data.draw(st.sampled_from(sorted(values)))
        self.entries[entry_id][field] = values[field]
        if data.draw(st.booleans()):
            others = sorted(set(self.entries) - {entry_id})
            self.entries[entry_id]["related"] = data.draw(
                st.lists(st.sampled_from(others), max_size=2, unique=True)
                if others
                else st.just([])
            )
        self.write_entry(entry_id)

    @precondition(lambda self: len(self.entries) > 1)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        entry_id = data.draw(st.sampled_from(sorted(self.entries)))
        (self.root / "entries" / self.paths.pop(entry_id)).unlink()
        del self.entries[entry_id]
        self.explicit.discard(entry_id)
        for other in self.referencing(entry_id):
            self.entries[other]["related"].remove(entry_id)
            self.write_entry(other)

    @precondition(lambda self: bool(self.entries))
    @rule(data=st.data(), folder=st.sampled_from(FOLDERS), keep_id=st.booleans())
    def rename(self, data: st.DataObject, folder: str, keep_id: bool) -> None:
        entry_id = data.draw(st.sampled_from(sorted(self.entries)))
        free = [i for i in IDS if i not in self.entries]
        new_name = data.draw(st.sampled_from(free)) if free else entry_id
        if f"{folder}{new_name}.yaml" in self.paths.values():
            return
        (self.root / "entries" / self.paths[entry_id]).unlink()
        if keep_id or new_name == entry_id:
            self.explicit.add(entry_id)
            self.paths[entry_id] = f"{folder}{new_name}.yaml"
            self.write_entry(entry_id)
            return
        # The id follows the file name: a new entry, and whoever pointed at the old id now
        # points at the new one.
        self.entries[new_name] = self.entries.pop(entry_id)
        self.paths.pop(entry_id)
        self.explicit.discard(entry_id)
        self.paths[new_name] = f"{folder}{new_name}.yaml"
        for other in self.referencing(entry_id):
            related = self.entries[other]["related"]
            related[related.index(entry_id)] = new_name
            self.write_entry(other)
        self.write_entry(new_name)

    @rule(
        name=st.sampled_from(("entry.html", "listing.html", "briefing.html")),
        mark=st.integers(0, 3),
    )
    def template(self, name: str, mark: int) -> None:
        path = self.root / "templates" / name
        if mark == 0:
            path.unlink(missing_ok=True)
            return
        self.write(
            f"templates/{name}",
            default_template(name) + f"{{# variant {mark} #}}<!-- v{mark} -->\n",
        )

    @rule(page_size=st.integers(1, 3))
    def page_size(self, page_size: int) -> None:
        self.write("feedpub.yaml", settings_text(page_size))

    @rule()
    def nothing(self) -> None:
        """A rebuild with nothing changed."""

    # ---- the comparison -----------------------------------------------------------------

    @invariant()
    def incremental_build_equals_cold_build(self) -> None:
        if not self.root.exists():
            return
        self.step += 1
        cold = self.folder / f"cold-{self.step}"
        cold.mkdir()
        for name in INPUTS:
            source = self.root / name
            if source.is_dir():
                shutil.copytree(source, cold / name)
            elif source.exists():
                shutil.copy2(source, cold / name)
        incremental = outcome(self.root, force=False)
        expected = outcome(cold, force=True)
        shutil.rmtree(cold)
        assert incremental[0] == expected[0]
        differing = sorted(
            rel
            for rel in incremental[1].keys() | expected[1].keys()
            if incremental[1].get(rel) != expected[1].get(rel)
        )
        assert differing == [], f"incremental output differs from a cold build in {differing}"


# Passing runs take seconds; a failing one spends minutes shrinking to the shortest example.
TestIncrementalBuilds = pytest.mark.timeout(600)(IncrementalBuilds.TestCase)
TestIncrementalBuilds.settings = settings(
    max_examples=int(os.environ.get("FEEDPUB_STATE_EXAMPLES", "6")),
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
