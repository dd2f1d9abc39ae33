"""Arbitrary Unicode in every text field: feeds stay well-formed and the text comes back intact."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import feedparser
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedpub.assemble import render_publication
from feedpub.load import load_publication
from feedpub.text import clean_text
from tests.conftest import NOW, SETTINGS

ATOM = "{http://www.w3.org/2005/Atom}"
any_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
# Markdown-free words, so the rendered text can be compared with the input.
plain_words = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12)


def visible(value: str) -> bool:
    return bool(clean_text(value).strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=any_text.filter(visible),
    author=any_text.filter(visible),
    tag=any_text.filter(visible),
    text=st.lists(plain_words, min_size=1, max_size=6),
    source_title=any_text.filter(visible),
    markdown=any_text,
)
def test_any_text_gives_well_formed_feeds(
    title: str, author: str, tag: str, text: list[str], source_title: str, markdown: str
) -> None:
    sentence = " ".join(text)
    entry = {
        "title": title,
        "published": "2025-05-01T10:00:00Z",
        "author": author,
        "summary": sentence,
        "sections": [{"heading": "H", "text": markdown, "points": [markdown]}],
        "quotes": [{"text": markdown, "by": author}],
        "tags": [tag],
        "sources": {"s": {"url": "https://example.org/a", "title": source_title}},
    }
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "feedpub.yaml").write_text(SETTINGS, encoding="utf-8")
        (root / "feeds").mkdir()
        (root / "feeds" / "all.yaml").write_text("title: All\n", encoding="utf-8")
        (root / "entries").mkdir()
        dumped = yaml.safe_dump(entry, allow_unicode=True)
        (root / "entries" / "a.yaml").write_text(dumped, encoding="utf-8")
        files = render_publication(load_publication(root), NOW)
        shutil.rmtree(root / "entries")

    # YAML itself folds some characters (NEL, LS, PS are line breaks to it): compare with what it loads
    loaded = yaml.safe_load(dumped)
    expected_title = clean_text(loaded["title"]).strip()
    tag, author = loaded["tags"][0], loaded["author"]
    rss = etree.fromstring(files["all/rss.xml"])
    atom = etree.fromstring(files["all/atom.xml"])
    assert rss.findtext("channel/item/title") == expected_title
    assert atom.findtext(f"{ATOM}entry/{ATOM}title") == expected_title
    assert atom.find(f"{ATOM}entry/{ATOM}category").get("term") == clean_text(tag)
    item = json.loads(files["all/feed.json"])["items"][0]
    assert item["title"] == expected_title
    assert item["authors"] == [{"name": clean_text(author).strip()}]
    assert sentence in item["summary"]
    for name in ("all/rss.xml", "all/atom.xml"):
        assert not feedparser.parse(files[name]).bozo
    etree.fromstring(files["index.html"], etree.HTMLParser(recover=False))
