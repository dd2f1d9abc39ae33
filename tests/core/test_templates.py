"""Templates: overrides by block, sanitised feeds, located errors, confinement, exact rebuilds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from feedpub.assemble import render_publication
from feedpub.errors import InputError
from feedpub.load import load_publication
from feedpub.pipeline import build
from tests.conftest import NOW, WritePub

GOLDEN = Path(__file__).parent / "golden"
ENTRY_PAGES = {"entries/grain-deal.html", "entries/talks.html"}
FEED_FILES = {"all/rss.xml", "all/atom.xml", "all/feed.json", "trade/rss.xml", "trade/atom.xml"}


def golden() -> dict[str, bytes]:
    return {
        p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()
    }


def write_template(root: Path, name: str, text: str) -> Path:
    path = root / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def output(root: Path) -> dict[str, bytes]:
    public = root / "public"
    return {
        p.relative_to(public).as_posix(): p.read_bytes() for p in public.rglob("*") if p.is_file()
    }


def problems_of(root: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        build(root, now=NOW)
    assert caught.value.exit_code == 2
    return [str(p) for p in caught.value.problems]


def test_one_block_override_changes_every_entry_page_and_nothing_else(mini: Path) -> None:
    write_template(
        mini,
        "entry.html",
        '{% extends "feedpub/entry.html" %}\n'
        '{% block entry_meta %}<p class="when">{{ entry.published|local|date("%Y-%m-%d %H:%M") }}'
        "</p>{% endblock %}\n",
    )
    files = render_publication(load_publication(mini), NOW)
    expected = golden()
    assert set(files) == set(expected)
    changed = {rel for rel in files if files[rel] != expected[rel]}
    assert changed == ENTRY_PAGES
    # talks: published 18:00+03:00 is 17:00 in the publication's zone (Europe/Berlin, summer).
    assert b'<p class="when">2025-05-16 17:00</p>' in files["entries/talks.html"]
    assert b'<p class="meta">' not in files["entries/talks.html"]
    # Only the block changed: the page is the golden page with that one line replaced.
    page = expected["entries/talks.html"].decode()
    old_meta = next(line for line in page.splitlines() if line.startswith('<p class="meta">'))
    new = page.replace(old_meta, '<p class="when">2025-05-16 17:00</p>')
    assert files["entries/talks.html"].decode() == new


def test_script_injected_into_the_feed_content_stays_on_the_page_only(mini: Path) -> None:
    write_template(
        mini,
        "briefing.html",
        '{% extends "feedpub/briefing.html" %}\n'
        '{% block lead %}<script>alert(1)</script><p onclick="steal()">Hello</p>\n'
        "{{ super() }}{% endblock %}\n",
    )
    files = render_publication(load_publication(mini), NOW)
    for rel in FEED_FILES:
        assert b"alert(1)" not in files[rel], rel
        assert b"steal()" not in files[rel], rel
        assert b"Hello" in files[rel], rel  # the harmless rest of the template's output stays
    for rel in ENTRY_PAGES:
        assert b'<script>alert(1)</script><p onclick="steal()">Hello</p>' in files[rel]


def test_syntax_error_is_located_and_the_old_output_stays(mini: Path) -> None:
    build(mini, now=NOW)
    before = output(mini)
    write_template(
        mini, "entry.html", '{% extends "feedpub/entry.html" %}\n{% block tags %}{% if %}\n'
    )
    assert problems_of(mini) == [
        "templates/entry.html:2: error: syntax: Expected an expression, got 'end of statement block'"
    ]
    assert output(mini) == before


def test_undefined_variable_is_located_and_the_old_output_stays(mini: Path) -> None:
    build(mini, now=NOW)
    before = output(mini)
    write_template(
        mini,
        "entry.html",
        '{% extends "feedpub/entry.html" %}\n\n{% block tags %}\n{{ entry.subtitle }}{% endblock %}\n',
    )
    assert problems_of(mini) == [
        "templates/entry.html:4: error: 'feedpub.render.context.EntryView object' has no "
        "attribute 'subtitle'; see README.md, *Templates*, for what templates receive"
    ]
    assert output(mini) == before


def test_an_error_in_a_worker_process_is_located_and_the_old_output_stays(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedpub.render import farm

    build(mini, now=NOW)
    before = output(mini)
    monkeypatch.setattr(farm, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(farm, "BATCH", 1)
    monkeypatch.setattr(farm, "worker_count", lambda: 3)
    # the parent takes no batch back: every page is rendered by a worker
    monkeypatch.setattr(farm.Farm, "steal", False)
    write_template(
        mini,
        "entry.html",
        '{% extends "feedpub/entry.html" %}\n\n{% block tags %}\n'
        "{% if entry.id == 'talks' %}{{ entry.subtitle }}{% endif %}{% endblock %}\n",
    )
    assert problems_of(mini) == [
        "templates/entry.html:4: error: 'feedpub.render.context.EntryView object' has no "
        "attribute 'subtitle'; see README.md, *Templates*, for what templates receive"
    ]
    assert output(mini) == before
    assert sorted(p.name for p in mini.iterdir() if p.name.startswith(".public")) == []


def test_undefined_variable_in_the_briefing_body_is_reported_once(mini: Path) -> None:
    write_template(mini, "briefing.html", "<p>{{ lead }}</p>\n")
    assert problems_of(mini) == [
        "templates/briefing.html:1: error: 'lead' is undefined; "
        "see README.md, *Templates*, for what templates receive"
    ]


def test_a_failing_filter_is_located(mini: Path) -> None:
    write_template(
        mini,
        "home.html",
        '{% extends "base.html" %}\n{% block main %}{{ site.title|date }}{% endblock %}\n',
    )
    assert problems_of(mini) == [
        "templates/home.html:2: error: AttributeError: 'str' object has no attribute 'day'"
    ]


@pytest.mark.parametrize(
    "include",
    ["../feedpub.yaml", "../../feedpub.yaml", "/etc/passwd", "feedpub/../../feedpub.yaml"],
)
def test_templates_cannot_include_files_outside_the_two_folders(mini: Path, include: str) -> None:
    write_template(
        mini,
        "home.html",
        f'{{% extends "base.html" %}}\n{{% block main %}}{{% include "{include}" %}}{{% endblock %}}\n',
    )
    assert problems_of(mini) == [
        f"templates/home.html:2: error: template {include!r} is outside templates/ and "
        "feedpub's own templates; refused"
    ]


def test_a_symbolic_link_out_of_templates_is_refused(mini: Path) -> None:
    write_template(
        mini,
        "home.html",
        '{% extends "base.html" %}\n{% block main %}{% include "secret.html" %}{% endblock %}\n',
    )
    os.symlink(mini / "feedpub.yaml", mini / "templates" / "secret.html")
    assert problems_of(mini) == [
        f"templates/secret.html: error: is a symlink to {os.path.realpath(mini / 'feedpub.yaml')}, "
        "outside templates/; templates are read only from templates/ and feedpub's own, so it "
        "was not followed"
    ]


def test_the_sandbox_hides_python_internals(mini: Path) -> None:
    write_template(
        mini,
        "home.html",
        '{% extends "base.html" %}\n{% block main %}{{ site.__class__ }}{% endblock %}\n',
    )
    (message,) = problems_of(mini)
    assert message == (
        "templates/home.html:2: error: access to attribute '__class__' of 'SiteView' object is unsafe."
    )


def test_a_template_change_rewrites_exactly_the_pages_that_use_it(mini: Path) -> None:
    build(mini, now=NOW)
    assert not build(mini, now=NOW).changed
    write_template(
        mini,
        "feed.html",
        '{% extends "feedpub/feed.html" %}\n{% block header %}<header>Feeds</header>{% endblock %}\n',
    )
    before = output(mini)
    result = build(mini, now=NOW)
    after = output(mini)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert changed == {"all/index.html", "trade/index.html"}
    assert (result.written, result.removed) == (2, 0)

    write_template(
        mini,
        "briefing.html",
        '{% extends "feedpub/briefing.html" %}\n{% block sources %}{% endblock %}\n',
    )
    before = output(mini)
    result = build(mini, now=NOW)  # the entries' cached bodies must not be reused
    after = output(mini)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    # talks cites no sources: its page stays; grain-deal's page and every feed carrying it change.
    assert changed == {"entries/grain-deal.html"} | FEED_FILES
    assert b"<h2>Sources</h2>" not in after["entries/grain-deal.html"]
    assert result.written == len(changed)


def test_related_block_override_reaches_feed_and_page(mini: Path) -> None:
    write_template(
        mini,
        "briefing.html",
        '{% extends "feedpub/briefing.html" %}\n'
        "{% block related %}<p>See also: {{ entry.related|map(attribute='title')|join(', ') or 'nothing' }}</p>{% endblock %}\n",
    )
    files = render_publication(load_publication(mini), NOW)
    assert b"<p>See also: Talks resume</p>" in files["entries/grain-deal.html"]
    assert b"<p>See also: nothing</p>" in files["entries/talks.html"]
    assert b"See also: Talks resume" in files["all/feed.json"]


TRICKY = """\
title: Ministers' "last" offer
published: 2025-05-01T10:00:00Z
summary: It's "final"\u00a0— [they said][wire] & <b>meant</b> it.
quotes:
  - text: We're "done".
    by: O'Neil & "Co"
    source: wire
sections:
  - heading: What's "next"
    text: Talks <resume> on 'Monday'.
    points: ["A > B & C", "it's\u00a0so"]
sources:
  wire:
    url: https://news.example.net/a?x=1&y='2'
    title: Reuters' "wire" <live>
related: [other]
"""


def test_the_page_shows_the_body_the_feeds_carry_byte_for_byte(write_pub: WritePub) -> None:
    """Default templates: what the entry page shows is what the allow-list let into feeds,
    quotes, apostrophes, ampersands and no-break spaces included."""
    root = write_pub(
        entries={
            "tricky.yaml": TRICKY,
            "other.yaml": 'title: It\'s "other"\npublished: 2025-04-01T10:00:00Z\n',
        }
    )
    pub = load_publication(root)
    files = render_publication(pub, NOW)
    item = json.loads(files["all/feed.json"])["items"][0]
    page = files["entries/tricky.html"].decode()
    own, related = item["content_html"].split("<h2>Related</h2>")
    assert own in page
    assert "<li>A &gt; B &amp; C</li>" in own
    assert '<cite>O\'Neil &amp; "Co"</cite>' in own
    assert 'It\'s "final"&nbsp;—' in own
    # The Related list names another entry: the page spells its title as pages always did,
    # the feeds as the allow-list does.
    link = '<a href="https://test.example.org/entries/other.html">'
    assert f'{link}It\'s "other"</a>' in related
    assert f"{link}It&#x27;s &quot;other&quot;</a>" in page
