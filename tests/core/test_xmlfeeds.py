"""RSS and Atom bytes pinned where the mini golden files do not reach (archive pages, the
stylesheet, hubs, icon and logo, images, several authors, languages, an empty body): what
feedgen and feedpub's extensions write, byte for byte.
FEEDPUB_UPDATE_GOLDEN=1 rewrites the files."""

from __future__ import annotations

import os
from pathlib import Path

from feedpub.assemble import render_publication
from feedpub.load import load_publication
from tests.conftest import NOW, WritePub

GOLDEN = Path(__file__).parent / "golden_xml"
SETTINGS = """\
title: Edge Briefings
base_url: https://edge.example.org/news/
timezone: UTC
since: 2025
language: en
description: Briefings at the edges.
author: {name: Edge Desk, email: desk@edge.example.org, uri: 'https://edge.example.org/desk'}
"""
FEED = """\
title: Everything & <more>
limit: 2
archive: true
stylesheet: true
formats: [rss, atom]
hubs: [https://hub.example.net/, https://hub.example.com/push]
icon: icon.png
logo: images/logo.png
"""
ENTRIES = {
    "remote.yaml": """\
title: A remote image
published: 2025-05-06T09:00:00+03:00
updated: 2025-05-07T10:30:00+03:00
author: {name: Ann Example, email: ann@example.org, uri: 'https://ann.example.org/'}
tags: [trade, ports]
summary: Ships & "cargo" <em>resumed</em>.
image: {url: 'https://cdn.example.net/ship.jpg', alt: A ship, length: 48213, width: 800, height: 450}
sources:
  un: {url: 'https://www.un.org/en/', title: United Nations}
  jcc: https://example.com/jcc
sections:
  - heading: Details
    text: According to [the UN][un] and [the centre][jcc].
""",
    "authors.yaml": """\
title: Two authors, in Hebrew
published: 2025-05-05T08:00:00Z
language: he
authors:
  - Briefings Desk
  - {name: Bo Example, email: bo@example.org}
summary: שלום.
image: images/missing.png
""",
    "empty.yaml": """\
title: Nothing but a title
published: 2025-05-04T12:00:00-04:00
language: en
""",
    "mailed.yaml": """\
title: Two mailed authors
published: 2025-05-03T07:15:00+05:30
authors:
  - {name: Cy, email: cy@example.org}
  - {name: Di, email: di@example.org}
summary: Both have an address.
""",
    "plain.yaml": """\
title: A plain one
published: 2025-05-02T06:00:00Z
author: Eve
summary: Plain.
image: {url: 'https://cdn.example.net/map.webp', type: image/webp}
""",
    "oldest.yaml": """\
title: The oldest
published: 2025-05-01T00:00:00Z
summary: First of all.
tags: [trade]
""",
}


def test_feed_documents_match_golden_files(write_pub: WritePub) -> None:
    root = write_pub(entries=ENTRIES, feeds={"all.yaml": FEED}, settings=SETTINGS)
    rendered = render_publication(load_publication(root), NOW)
    files = {rel: data for rel, data in rendered.items() if rel.endswith(("rss.xml", "atom.xml"))}
    if os.environ.get("FEEDPUB_UPDATE_GOLDEN") == "1":
        for rel, data in files.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    expected = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    assert set(files) == expected
    assert len(files) == 2 * 4  # the live feed and archive pages 1, 2 and 3 (empty)
    for rel in sorted(files):
        assert files[rel] == (GOLDEN / rel).read_bytes(), (
            f"{rel} differs from tests/core/golden_xml/{rel}"
        )
