"""The build as a whole: deterministic, atomic, mtime-preserving, gated by validation."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub import assemble
from feedpub.errors import InputError, ValidationFailed
from feedpub.output import recover
from feedpub.pipeline import build
from tests.conftest import NOW


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file's bytes, mtime and inode."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_second_build_changes_nothing(mini: Path) -> None:
    first = build(mini, now=NOW)
    assert first.changed and first.written == 21
    before = snapshot(mini / "public")
    second = build(mini, now=NOW)
    assert not second.changed
    assert second.summary() == "public/ is up to date (2 entries, 2 feeds)"
    assert snapshot(mini / "public") == before


def test_unchanged_files_keep_their_mtime(mini: Path) -> None:
    build(mini, now=NOW)
    before = snapshot(mini / "public")
    talks = mini / "entries" / "2025" / "talks.yaml"
    talks.write_text(talks.read_text().replace("Talks resume", "Talks resume in Istanbul"))
    result = build(mini, now=NOW)
    after = snapshot(mini / "public")
    changed = sorted(rel for rel in after if after[rel][:2] != before[rel][:2])
    # its page, the listings and feeds holding it, and the entry whose Related list names it
    assert changed == [
        "all/atom.xml",
        "all/feed.json",
        "all/index.html",
        "all/rss.xml",
        "archive/2025/index.html",
        "entries/grain-deal.html",
        "entries/talks.html",
        "index.html",
        "sitemap.xml",  # talks.html's lastmod: the edit's time
        "tags/diplomacy/index.html",
        "trade/atom.xml",
        "trade/rss.xml",
    ]
    assert result.written == len(changed)
    assert after["style.css"] == before["style.css"]


def test_scheduled_entry_appears_once_due(mini: Path) -> None:
    build(mini, now=NOW)
    assert not (mini / "public" / "entries" / "future.html").exists()
    build(mini, now=datetime(2030, 1, 1, 9, tzinfo=UTC))
    assert (mini / "public" / "entries" / "future.html").exists()


def test_removed_entry_leaves_the_output(mini: Path) -> None:
    build(mini, now=NOW)
    (mini / "entries" / "2025" / "talks.yaml").unlink()
    (mini / "entries" / "2025" / "grain-deal.yaml").write_text(
        (mini / "entries" / "2025" / "grain-deal.yaml")
        .read_text()
        .replace("related: [talks]\n", "")
    )
    result = build(mini, now=NOW)
    assert result.removed == 2  # its page, and the page of the tag only it carried
    assert not (mini / "public" / "entries" / "talks.html").exists()
    assert not (mini / "public" / "tags" / "diplomacy").exists()
    assert b"Talks resume" not in (mini / "public" / "all" / "rss.xml").read_bytes()


def test_bad_input_leaves_old_output_untouched(mini: Path) -> None:
    build(mini, now=NOW)
    before = snapshot(mini / "public")
    (mini / "entries" / "2025" / "talks.yaml").write_text("title: [broken\n")
    with pytest.raises(InputError):
        build(mini, now=NOW)
    assert snapshot(mini / "public") == before


def test_validation_error_aborts_and_keeps_old_output(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(mini, now=NOW)
    before = snapshot(mini / "public")
    real = assemble.render_feed

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = real(*args, **kwargs)
        for rel in out:
            if rel.endswith("rss.xml"):
                out[rel] = (
                    out[rel].replace(b"<title>", b"<titel>", 1).replace(b"</title>", b"</titel>", 1)
                )
        return out

    monkeypatch.setattr(assemble, "render_feed", broken)
    with pytest.raises(ValidationFailed) as caught:
        build(mini, now=NOW, force=True)  # the inputs did not change: only the renderer did
    assert caught.value.message.endswith("; the old output was kept")
    assert any(
        p.location.file == "public/all/rss.xml" and p.is_error for p in caught.value.problems
    )
    assert snapshot(mini / "public") == before
    # the pages rendered into the new folder went with it
    assert sorted(p.name for p in mini.iterdir() if p.name.startswith(".public")) == []


def test_interrupt_while_rendering_removes_the_new_folder(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedpub.render.pages import PageJob
    from feedpub.render.site import Site

    build(mini, now=NOW)
    before = snapshot(mini / "public")
    real = Site.render
    seen: list[str] = []

    def interrupted(self: Site, job: PageJob) -> bytes:
        seen.append(job.path)
        if len(seen) == 3:  # two pages are in the new folder by now
            assert [p.name for p in mini.iterdir() if p.name.startswith(".public.new-")]
            raise KeyboardInterrupt
        return real(self, job)

    monkeypatch.setattr(Site, "render", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(mini, now=NOW, force=True)
    assert snapshot(mini / "public") == before
    assert sorted(p.name for p in mini.iterdir() if p.name.startswith(".public")) == []


def small_files_only() -> None:
    """In a child process: writing any file past 2 KB fails (EFBIG), as on a full disk."""
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, resource.RLIM_INFINITY))


def test_write_failure_keeps_old_output(mini: Path) -> None:
    import subprocess
    import sys

    build(mini, now=NOW)
    before = snapshot(mini / "public")
    (mini / "entries" / "2025" / "talks.yaml").write_text(
        (mini / "entries" / "2025" / "talks.yaml").read_text().replace("resume", "resumed")
    )
    done = subprocess.run(
        [sys.executable, "-m", "feedpub", "build", "--now", "2026-01-01", "--root", str(mini)],
        capture_output=True,
        text=True,
        preexec_fn=small_files_only,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("feedpub: cannot write the output in ")
    assert done.stderr.endswith(": File too large; the old output was kept\n")
    assert snapshot(mini / "public") == before
    assert sorted(p.name for p in mini.iterdir() if p.name.startswith(".public")) == []


@pytest.mark.parametrize("legacy", [False, True])
def test_recover_finishes_a_swap_killed_half_way(tmp_path: Path, legacy: bool) -> None:
    output = tmp_path / "public"
    old = tmp_path / (".public.old" if legacy else ".public.old-42-0a1b2c3d")
    old.mkdir()
    (old / "index.html").write_text("previous")
    (tmp_path / (".public.new" if legacy else ".public.new-43-0a1b2c3d")).mkdir()
    recover(output)
    assert (output / "index.html").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_static_files_are_copied(mini: Path) -> None:
    (mini / "static" / "img").mkdir(parents=True)
    (mini / "static" / "img" / "logo.png").write_bytes(b"\x89PNG")
    build(mini, now=NOW)
    assert (mini / "public" / "img" / "logo.png").read_bytes() == b"\x89PNG"


def test_output_is_byte_identical_across_roots(mini: Path, tmp_path: Path) -> None:
    import shutil

    other = tmp_path / "elsewhere"
    shutil.copytree(mini, other)
    os.utime(other / "feedpub.yaml", (0, 0))
    build(mini, now=NOW)
    build(other, now=NOW)
    assert {k: v[0] for k, v in snapshot(mini / "public").items()} == {
        k: v[0] for k, v in snapshot(other / "public").items()
    }


@pytest.mark.parametrize(
    "case",
    [
        "yaml-syntax",
        "unknown-field",
        "bad-date",
        "unknown-source",
        "unknown-related",
        "empty-file",
        "not-utf8",
        "points-mapping",
    ],
)
def test_every_bad_input_case_keeps_old_output(mini: Path, case: str) -> None:
    from tests.core.test_load import CASES

    build(mini, now=NOW)
    before = snapshot(mini / "public")
    text = CASES[case][0]
    target = mini / "entries" / "x.yaml"
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    with pytest.raises(InputError):
        build(mini, now=NOW)
    assert snapshot(mini / "public") == before


def test_pulled_source_records_reach_the_sources_list(mini: Path) -> None:
    from feedpub.model import SourceRecord
    from feedpub.sources import LOCK_NAME, save_lock

    save_lock(
        mini / LOCK_NAME,
        {
            "https://example.com/jcc": SourceRecord(
                url="https://example.com/jcc",
                status=200,
                state="ok",
                title="Joint Coordination <Centre>",
                site_name="Example News",
                checked="2025-12-01T00:00:00Z",
            ),
            "https://www.un.org/en/black-sea-grain-initiative": SourceRecord(
                url="https://www.un.org/en/black-sea-grain-initiative",
                status=404,
                state="dead",
                checked="2025-12-01T00:00:00Z",
            ),
        },
    )
    build(mini, now=NOW)
    page = (mini / "public" / "entries" / "grain-deal.html").read_text()
    assert (
        '<li><a href="https://www.un.org/en/black-sea-grain-initiative">Black Sea Grain Initiative</a>'
        " (link unavailable)</li>"
    ) in page
    assert (
        '<li><a href="https://example.com/jcc#top">Joint Coordination &lt;Centre&gt;</a> — Example News</li>'
        in page
    )
    atom = (mini / "public" / "all" / "atom.xml").read_text()
    assert (
        '<link href="https://example.com/jcc#top" rel="related" title="Joint Coordination &lt;Centre&gt;"/>'
        in atom
    )
    # a changed record re-renders the entry even though its file did not change
    save_lock(
        mini / LOCK_NAME,
        {
            "https://example.com/jcc": SourceRecord(
                url="https://example.com/jcc",
                status=200,
                state="ok",
                title="JCC",
                checked="2025-12-02T00:00:00Z",
            ),
        },
    )
    build(mini, now=NOW)
    assert (
        '<a href="https://example.com/jcc#top">JCC</a></li>'
        in (mini / "public" / "entries" / "grain-deal.html").read_text()
    )
