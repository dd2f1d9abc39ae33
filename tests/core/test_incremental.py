"""A rebuild renders only the pages whose inputs changed, carries the rest over, and writes
exactly what a cold build of the same input writes."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feedpub.output import MARKER
from feedpub.pipeline import build
from feedpub.render.manifest import MANIFEST_FILE, Digests
from feedpub.render.reads import WHOLE
from feedpub.render.site import Site
from tests.conftest import NOW

SETTINGS = """\
title: Incremental
base_url: https://inc.example.org/
timezone: Europe/Berlin
page_size: 2
author:
  name: Desk
"""
FEEDS = {
    "all.yaml": "title: Everything\ndescription: All of it.\n",
    "trade.yaml": "title: Trade\ndescription: Trade only.\ntags: [trade]\n",
}


def entry_text(number: int, title: str, related: tuple[int, ...] = ()) -> str:
    tag = "trade" if number % 2 else "energy"
    lines = [
        f"title: {title}",
        f"published: 2025-0{1 + number % 9}-1{number % 10}T08:00:00Z",
        f"summary: Lead paragraph of entry {number}.",
        "sections:",
        "  - heading: Details",
        f"    text: Detail {number}.",
        "    points: [one, two]",
        f"tags: [{tag}]",
    ]
    if related:
        lines.append("related: [" + ", ".join(f"e{n}" for n in related) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def pub(tmp_path: Path) -> Path:
    """Eight entries; e1 is named in the `related` of e2 and e5, e3 names e4."""
    root = tmp_path / "pub"
    (root / "feeds").mkdir(parents=True)
    (root / "entries").mkdir()
    (root / "feedpub.yaml").write_text(SETTINGS)
    for name, text in FEEDS.items():
        (root / "feeds" / name).write_text(text)
    related = {2: (1,), 5: (1,), 3: (4,)}
    for number in range(1, 9):
        write_entry(root, number, f"Entry {number}", related.get(number, ()))
    return root


def write_entry(root: Path, number: int, title: str, related: tuple[int, ...] = ()) -> None:
    path = root / "entries" / f"e{number}.yaml"
    path.write_text(entry_text(number, title, related))
    stamp_time = 1_700_000_000 + number  # fixed, old mtimes: builds are never "racy"
    os.utime(path, (stamp_time, stamp_time))


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }


def inputs_copy(root: Path, tmp_path: Path) -> Path:
    """A copy of ``root``'s inputs as they are now (ledger included), without output or state."""
    copy = tmp_path / f"cold-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("public", ".feedpub"))
    return copy


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths of the pages rendered through templates, build after build."""
    paths: list[str] = []
    real = Site.render

    def render(self: Site, job):  # type: ignore[no-untyped-def]
        paths.append(job.path)
        return real(self, job)

    monkeypatch.setattr(Site, "render", render)
    yield paths


def rebuild_matches_cold(root: Path, tmp_path: Path, rendered: list[str] | None = None) -> set[str]:
    """Rebuild ``root`` and assert its output equals a cold build's of the same inputs;
    the files that changed. ``rendered`` is left holding what the rebuild rendered."""
    before = tree(root / "public")
    copy = inputs_copy(root, tmp_path)
    done = len(rendered) if rendered is not None else 0
    build(root, now=NOW)
    if rendered is not None:
        del rendered[:done]
        mine = list(rendered)
    after = tree(root / "public")
    build(copy, now=NOW)
    assert after == tree(copy / "public")
    if rendered is not None:
        rendered[:] = mine
    return {rel for rel in after if before.get(rel) != after[rel]}


def test_a_title_edit_renders_the_entry_and_every_page_that_shows_it(
    pub: Path, tmp_path: Path, rendered: list[str]
) -> None:
    build(pub, now=NOW)
    assert len(rendered) > 20 and (pub / MANIFEST_FILE).is_file()
    write_entry(pub, 1, "Entry one, renamed")
    changed = rebuild_matches_cold(pub, tmp_path, rendered)
    # e2 and e5 show e1's title in their Related list: their pages changed with it.
    assert {"entries/e1.html", "entries/e2.html", "entries/e5.html"} <= changed
    assert "entries/e3.html" not in changed and "entries/e4.html" not in changed
    # Every page that changed was rendered; pages that show nothing of e1 were not.
    assert {rel for rel in changed if rel.endswith(".html")} <= set(rendered)
    assert "entries/e4.html" not in rendered and "tags/index.html" not in rendered


def test_only_pages_with_changed_inputs_are_rendered(pub: Path, rendered: list[str]) -> None:
    build(pub, now=NOW)
    rendered.clear()
    write_entry(pub, 4, "Entry four, renamed")
    build(pub, now=NOW)
    # e4's own page, e3's (it names e4 in related), and the listings that show e4.
    assert "entries/e4.html" in rendered and "entries/e3.html" in rendered
    assert "entries/e1.html" not in rendered and "entries/e8.html" not in rendered
    assert "404.html" not in rendered and "tags/index.html" not in rendered
    assert len(rendered) == len(set(rendered))


def test_a_template_change_renders_every_page_that_uses_it(
    pub: Path, tmp_path: Path, rendered: list[str]
) -> None:
    build(pub, now=NOW)
    (pub / "templates").mkdir()
    (pub / "templates" / "entry.html").write_text(
        '{% extends "feedpub/entry.html" %}{% block title %}Read: {{ super() }}{% endblock %}'
    )
    os.utime(pub / "templates" / "entry.html", (1_700_000_000, 1_700_000_000))
    changed = rebuild_matches_cold(pub, tmp_path, rendered)
    assert {f"entries/e{n}.html" for n in range(1, 9)} <= changed
    # Any template change throws the manifest away: every page was rendered again.
    assert set(rendered) == {rel for rel in tree(pub / "public") if rel.endswith(".html")}


def test_added_and_deleted_entries_match_a_cold_build(pub: Path, tmp_path: Path) -> None:
    build(pub, now=NOW)
    write_entry(pub, 9, "Entry nine", (1, 3))
    assert "entries/e9.html" in rebuild_matches_cold(pub, tmp_path)
    (pub / "entries" / "e2.yaml").unlink()
    rebuild_matches_cold(pub, tmp_path)
    assert not (pub / "public" / "entries" / "e2.html").exists()


def test_a_page_missing_from_the_old_output_is_rendered_again(
    pub: Path, tmp_path: Path, rendered: list[str]
) -> None:
    build(pub, now=NOW)
    (pub / "public" / "entries" / "e7.html").unlink()
    write_entry(pub, 1, "Entry one, again")
    rebuild_matches_cold(pub, tmp_path, rendered)
    assert "entries/e7.html" in rendered and "entries/e8.html" not in rendered


def test_force_renders_every_page_and_repairs_the_output(pub: Path, rendered: list[str]) -> None:
    build(pub, now=NOW)
    first = tree(pub / "public")
    page = pub / "public" / "entries" / "e6.html"
    page.write_bytes(b"edited by hand")
    rendered.clear()
    result = build(pub, now=NOW, force=True)
    assert page.read_bytes() == first["entries/e6.html"]
    assert "entries/e6.html" in rendered and result.written == 1


@pytest.mark.parametrize("how", ["in place", "replaced"])
def test_files_edited_in_the_output_are_written_again_by_the_next_build(
    pub: Path, tmp_path: Path, rendered: list[str], how: str
) -> None:
    build(pub, now=NOW)
    page = pub / "public" / "entries" / "e6.html"
    feed = pub / "public" / "all" / "atom.xml"
    for path in (page, feed):
        data = path.read_bytes()
        if how == "replaced":
            path.unlink()
            path.write_bytes(data.replace(b"<", b"[", 1))
        else:
            with path.open("r+b") as handle:
                handle.write(b"X")
    write_entry(pub, 1, "Entry one, renamed")
    rebuild_matches_cold(pub, tmp_path, rendered)
    assert "entries/e6.html" in rendered


def test_changed_settings_throw_the_manifest_away(pub: Path, rendered: list[str]) -> None:
    build(pub, now=NOW)
    settings = pub / "feedpub.yaml"
    settings.write_text(SETTINGS.replace("Incremental", "Renamed"))
    os.utime(settings, (1_700_000_000, 1_700_000_000))
    rendered.clear()
    build(pub, now=NOW)
    assert {f"entries/e{n}.html" for n in range(1, 9)} <= set(rendered)


def test_a_manifest_for_another_output_folder_is_ignored(pub: Path, rendered: list[str]) -> None:
    build(pub, now=NOW)
    shutil.rmtree(pub / "public")
    shutil.copytree(pub / ".feedpub", pub / ".keep")
    build(pub, now=NOW)
    # Bring back the manifest of an output that no longer exists: it names another folder.
    shutil.copy(pub / ".keep" / "pages.json", pub / MANIFEST_FILE)
    write_entry(pub, 1, "Entry one, renamed")
    rendered.clear()
    build(pub, now=NOW)
    assert {f"entries/e{n}.html" for n in range(1, 9)} <= set(rendered)


def test_a_page_digest_follows_content_not_object_identity() -> None:
    from datetime import UTC, datetime

    from markupsafe import Markup

    from feedpub.render.context import EntryLink
    from feedpub.render.pages import PageJob

    def link(title: str, summary: str = "Lead.") -> EntryLink:
        when = datetime(2025, 5, 1, tzinfo=UTC)
        return EntryLink(
            "a", "".join(title), "https://x/a", "entries/a.html", when, None, Markup(summary), ()
        )

    def digest(**values: object) -> str:
        return Digests({(EntryLink, WHOLE)}).of(PageJob("index.html", "home.html", values))

    same = digest(entries=(link("A title"),))
    assert digest(entries=(link("A title"),)) == same  # equal values, other objects
    assert digest(entries=(link("A title", "Other lead."),)) != same
    assert digest(entries=[link("A title")]) != same  # a list is not a tuple
    assert digest(entries=(link("A title"),), extra="") != same
    assert digest(name="<b>") != digest(name=Markup("<b>"))  # text is not markup
    berlin = datetime(2025, 5, 1, 12, tzinfo=ZoneInfo("Europe/Berlin"))
    fixed = datetime(2025, 5, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert digest(when=berlin) != digest(when=fixed)  # same offset, another time zone


def test_an_added_entry_leaves_pages_that_show_nothing_of_it_alone(
    pub: Path, tmp_path: Path, rendered: list[str]
) -> None:
    """Tag counts change, but entry pages never read them: only listings are rendered."""
    build(pub, now=NOW)
    write_entry(pub, 9, "Entry nine")
    changed = rebuild_matches_cold(pub, tmp_path, rendered)
    assert "entries/e9.html" in changed and "tags/index.html" in changed
    assert not [rel for rel in rendered if rel.startswith("entries/") and rel != "entries/e9.html"]


@pytest.mark.parametrize(
    "shown",
    [
        "{{ entry.tag_pages }}",
        '{{ "tag: " ~ entry.tag_pages|first }}',
        '{{ entry.tag_pages|map("string")|join }}',
    ],
)
def test_a_template_that_prints_an_object_whole_depends_on_all_of_it(
    pub: Path, tmp_path: Path, rendered: list[str], shown: str
) -> None:
    """A tag page printed as it is shows its count: adding an entry changes it."""
    (pub / "templates").mkdir()
    (pub / "templates" / "entry.html").write_text(
        '{% extends "feedpub/entry.html" %}{% block title %}' + shown + "{% endblock %}"
    )
    os.utime(pub / "templates" / "entry.html", (1_700_000_000, 1_700_000_000))
    build(pub, now=NOW)
    write_entry(pub, 9, "Entry nine")  # tagged trade, as e1, e3, e5 and e7
    changed = rebuild_matches_cold(pub, tmp_path, rendered)
    assert {"entries/e1.html", "entries/e3.html", "entries/e5.html"} <= changed
    assert "entries/e2.html" not in changed


def test_a_feed_title_shown_in_every_footer_renders_every_page(
    pub: Path, tmp_path: Path, rendered: list[str]
) -> None:
    """The footer is a {% memo %} block: pages that repeat it depend on what it read."""
    build(pub, now=NOW)
    feed = pub / "feeds" / "trade.yaml"
    feed.write_text(FEEDS["trade.yaml"].replace("title: Trade", "title: Trade and tariffs"))
    os.utime(feed, (1_700_000_000, 1_700_000_000))
    changed = rebuild_matches_cold(pub, tmp_path, rendered)
    assert {f"entries/e{n}.html" for n in range(1, 9)} <= changed


def test_pages_that_repeat_a_memo_body_depend_on_what_the_body_read(
    pub: Path, tmp_path: Path, rendered: list[str]
) -> None:
    """The home page renders the memo body first; entry pages only repeat its output, yet
    they show the tag counts it read."""
    (pub / "templates").mkdir()
    (pub / "templates" / "base.html").write_text(
        '{% extends "feedpub/base.html" %}{% block footer %}{{ super() }}'
        '{% memo "counts" %}{% for tag in site.tags %}{{ tag.count }}{% endfor %}{% endmemo %}'
        "{% endblock %}"
    )
    os.utime(pub / "templates" / "base.html", (1_700_000_000, 1_700_000_000))
    build(pub, now=NOW)
    write_entry(pub, 9, "Entry nine")
    changed = rebuild_matches_cold(pub, tmp_path, rendered)
    assert {f"entries/e{n}.html" for n in range(1, 9)} <= changed
