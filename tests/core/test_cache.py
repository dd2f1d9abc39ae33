"""The parse cache: unchanged files are not parsed again; a broken cache only costs time."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from feedpub import entries as entries_module
from feedpub.entries import CACHE_DIR, CompileStats, compile_entries, worker_count
from feedpub.load import load_settings


def compile_stats(root: Path) -> tuple[CompileStats, list[str]]:
    stats = CompileStats()
    problems: list = []
    entries, _parts = compile_entries(root, load_settings(root), {}, problems, stats)
    return stats, sorted(e.id for e in entries)


def test_only_changed_files_are_compiled_again(mini: Path) -> None:
    first, ids = compile_stats(mini)
    assert (first.files, first.compiled, first.cached) == (4, 4, 0)
    talks = mini / "entries" / "2025" / "talks.yaml"
    talks.write_text(talks.read_text().replace("resume", "resumed"))
    second, again = compile_stats(mini)
    assert (second.compiled, second.cached) == (1, 3)
    assert again == ids


def test_corrupt_cache_shards_are_ignored(mini: Path) -> None:
    compile_stats(mini)
    for shard in (mini / CACHE_DIR).glob("*.pickle"):
        shard.write_bytes(b"not a pickle")
    stats, ids = compile_stats(mini)
    assert (stats.compiled, stats.cached) == (4, 0)
    assert ids == ["draft", "future", "grain-deal", "talks"]
    third, _ = compile_stats(mini)
    assert (third.compiled, third.cached) == (0, 4)


def test_settings_change_invalidates_the_cache(mini: Path) -> None:
    compile_stats(mini)
    settings = mini / "feedpub.yaml"
    settings.write_text(
        settings.read_text().replace("https://mini.example.org/news/", "https://other.example/")
    )
    stats, _ = compile_stats(mini)
    assert stats.compiled == 4


def test_worker_processes_read_and_report_like_the_main_process(write_pub) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import ENTRY

    files: dict[str, str | bytes] = {f"e{i:03d}.yaml": ENTRY for i in range(210)}
    files["broken.yaml"] = "title: [oops\n"
    root = write_pub(entries=files)
    target = root / "entries" / "locked.yaml"
    # Root reads any file, so its unreadable file is one over the size limit.
    limit = 100 if os.geteuid() == 0 else None
    if limit:
        target.write_text(ENTRY + "summary: " + "x" * 200 + "\n")
    else:
        target.write_text(ENTRY)
        target.chmod(0)
    stats = CompileStats()
    problems: list = []
    settings = load_settings(root)
    if limit:
        settings = replace(settings, max_entry_bytes=limit)
    entries, parts = compile_entries(root, settings, {}, problems, stats)
    assert stats.workers == worker_count() and stats.compiled == 212
    assert entries == [] and parts == {}  # nothing is built when any file has a problem
    assert [str(p).split(": error: ")[0] for p in problems] == [
        "entries/broken.yaml:2:1",
        "entries/locked.yaml",
    ]
    assert ("bytes, over the limit of 100" if limit else "cannot read file") in str(problems[1])
    again = CompileStats()
    compile_entries(root, settings, {}, [], again)
    # a file with errors is remembered with its problems; an unreadable one is tried again
    assert (again.cached, again.compiled) == (211, 1)


def test_a_broken_entry_is_reported_without_reading_the_cache(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compile_stats(mini)
    (mini / "entries" / "zz-broken.yaml").write_text("title: Broken\nsummary: [unclosed\n")
    read: list[object] = []
    real = entries_module._load_cache
    monkeypatch.setattr(entries_module, "_load_cache", lambda *a: read.append(a) or real(*a))
    problems: list = []
    stats = CompileStats()
    found, parts = compile_entries(mini, load_settings(mini), {}, problems, stats)
    assert (found, parts, read) == ([], {}, [])
    assert [str(p) for p in problems] == [
        "entries/zz-broken.yaml:3:1: error: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence)"
    ]
    assert (stats.compiled, stats.cached) == (1, 4)
    # Fixed: the cache is read again and only the fixed file is compiled.
    (mini / "entries" / "zz-broken.yaml").write_text(
        "title: Fixed\npublished: 2025-01-01T00:00:00Z\n"
    )
    stats, ids = compile_stats(mini)
    assert (stats.compiled, stats.cached, len(read)) == (1, 4, 1)
    assert "zz-broken" in ids


def test_a_broken_result_in_a_readable_shard_is_compiled_again(mini: Path) -> None:
    import pickle

    compile_stats(mini)
    broken = 0
    for shard in (mini / CACHE_DIR).glob("entries-*.pickle"):
        stored = pickle.loads(shard.read_bytes())
        for rel, (digest, _data, sig) in stored["files"].items():
            stored["files"][rel] = (digest, b"\x80\x05garbage" if broken else b"", sig)
            broken += 1
        shard.write_bytes(pickle.dumps(stored))
    assert broken == 4
    stats, ids = compile_stats(mini)
    assert (stats.compiled, stats.cached) == (4, 0)
    assert ids == ["draft", "future", "grain-deal", "talks"]
    third, _ = compile_stats(mini)
    assert (third.compiled, third.cached) == (0, 4)
