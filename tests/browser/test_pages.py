"""Every kind of page in headless Chromium, served by `feedpub serve`: listings paginate to the
oldest entry, tag, feed and entry pages show what they should, nothing scrolls sideways on a
phone, and an edited entry shows up without restarting serve."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedpub.load import due_entries, load_publication
from tests.browser.conftest import Serve, Shoot

if TYPE_CHECKING:
    from playwright.sync_api import Page

NOW = "2026-01-01T00:00:00Z"
PHONE = {"width": 390, "height": 800}
DESKTOP = {"width": 1280, "height": 800}
# One page of each kind, by the name its screenshots get.
KINDS = {
    "home": "",
    "home-page-2": "page/2/",
    "feed": "all/",
    "tag": "tags/diplomacy/",
    "tags": "tags/",
    "year": "archive/2025/",
    "archive": "archive/",
    "entry": "entries/istanbul-talks.html",
}


def paged(sample: Path) -> Path:
    """The sample with two entries to a page, so its listings run over several pages."""
    settings = sample / "feedpub.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "page_size: 2\n", "utf-8")
    return sample


def titles(page: Page) -> list[str]:
    return page.locator("ul.entries > li > a").all_inner_texts()


def test_every_page_kind_reads_well_and_leads_to_every_entry(
    sample: Path, serve: Serve, page: Page, shoot: Shoot
) -> None:
    root = paged(sample)
    served = serve(root, "--now", NOW, "--no-watch")
    entries = due_entries(load_publication(root).entries, datetime(2026, 1, 1, tzinfo=UTC))
    # the home page, Older after Older, down to the oldest entry
    page.goto(served.url)
    seen = titles(page)
    while page.locator('nav.pages a[rel="next"]').count():
        page.locator('nav.pages a[rel="next"]').click()
        page.wait_for_load_state()
        seen += titles(page)
    assert seen == [e.title for e in entries]
    # a tag page lists exactly the entries carrying the tag
    page.goto(served.url + "tags/diplomacy/")
    tagged = titles(page)
    while page.locator('nav.pages a[rel="next"]').count():
        page.locator('nav.pages a[rel="next"]').click()
        page.wait_for_load_state()
        tagged += titles(page)
    assert tagged == [e.title for e in entries if "diplomacy" in e.tags]
    # the feed page: its title, how to subscribe (with working copy buttons), every entry
    page.goto(served.url + "all/")
    assert page.locator("main h1").inner_text() == "World Briefings"
    assert page.locator("code.feed-url").first.inner_text() == (
        "https://briefings.example.org/all/rss.xml"
    )
    assert page.locator("button.copy").first.is_visible()  # the script showed it
    listed = titles(page)
    while page.locator('nav.pages a[rel="next"]').count():
        page.locator('nav.pages a[rel="next"]').click()
        page.wait_for_load_state()
        listed += titles(page)
    assert listed == [e.title for e in entries]
    # an entry page: sections, the quote, the sources
    page.goto(served.url + "entries/istanbul-talks.html")
    article = page.locator("article")
    headings = article.locator("h2").all_inner_texts()
    assert {"Details", "Context", "Sources"} <= set(headings)
    assert article.locator("blockquote").count() >= 1
    assert article.locator("ul.sources li a").count() >= 2
    # every kind of page at a phone's width and a desktop's: nothing scrolls sideways
    for viewport, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        for name, path in KINDS.items():
            page.goto(served.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= size["width"], f"{path} is {width} px wide at {size['width']} px"
            shoot(page, f"{name}-{viewport}")


def test_an_edited_entry_shows_up_without_restarting_serve(
    sample: Path, serve: Serve, page: Page
) -> None:
    served = serve(sample, "--now", NOW)
    page.goto(served.url + "entries/istanbul-talks.html")
    assert page.locator("article h1").inner_text() == "Istanbul talks end without a ceasefire"
    entry = sample / "entries" / "2025" / "istanbul-talks.yaml"
    entry.write_text(
        entry.read_text(encoding="utf-8").replace(
            "title: Istanbul talks end without a ceasefire",
            "title: Istanbul talks end, a second round is planned",
        ),
        encoding="utf-8",
    )
    # the page reloads itself once serve has rebuilt
    page.locator("article h1", has_text="a second round is planned").wait_for(timeout=45_000)
