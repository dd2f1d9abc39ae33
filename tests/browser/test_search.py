"""Search without a server: the sample publication built with `search: true`, searched in
Chromium from the search box every page carries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from feedpub.load import load_publication
from feedpub.search import pagefind_binary
from tests.browser.conftest import Serve, Shoot
from tests.needs import unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Page

NOW = "2026-01-01T00:00:00Z"
WORD = "Khomeini"  # said in one sample briefing only (checked below)


@pytest.fixture
def searchable(sample: Path) -> Path:
    if pagefind_binary() is None:
        unavailable("Pagefind is not installed (the search extra: make install)")
    settings = sample / "feedpub.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "search: true\n", encoding="utf-8")
    return sample


def test_a_word_from_one_briefing_finds_that_briefing(
    searchable: Path, serve: Serve, page: Page, shoot: Shoot
) -> None:
    holding = [
        p for p in (searchable / "entries").rglob("*.yaml") if WORD in p.read_text(encoding="utf-8")
    ]
    assert len(holding) == 1
    entry = next(
        e for e in load_publication(searchable).entries if e.path.endswith(holding[0].name)
    )
    served = serve(searchable, "--now", NOW)
    page.goto(served.url)
    box = page.get_by_role("searchbox", name="Search the briefings")
    box.fill(WORD)
    box.press("Enter")
    page.wait_for_url(f"{served.url}search.html?q={WORD}")
    results = page.locator(".pagefind-ui__result-link")
    results.first.wait_for()
    assert results.all_inner_texts() == [entry.title]
    shoot(page, "search-1280")
    results.first.click()
    page.wait_for_url(f"{served.url}entries/{entry.id}.html")
    assert page.locator("article h1").inner_text() == entry.title


def test_a_missing_page_shows_the_sites_404_page(
    sample: Path, serve: Serve, page: Page, shoot: Shoot
) -> None:
    served = serve(sample, "--now", NOW)
    answer = page.goto(f"{served.url}entries/no-such-briefing.html")
    assert answer is not None and answer.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.locator("link[rel=stylesheet]").get_attribute("href") == "/style.css"
    shoot(page, "404-1280")
    page.get_by_role("link", name="newest briefings").click()
    page.wait_for_url(f"{served.url}index.html")
    assert page.locator("h1").inner_text() == "World Briefings"
