"""The sample publication in headless Chromium, served by `feedpub serve`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from feedpub.load import load_publication
from tests.browser.conftest import Serve, Shoot

if TYPE_CHECKING:
    from playwright.sync_api import Page

NOW = "2026-01-01T00:00:00Z"


def test_home_page_leads_to_an_entry_page(
    sample: Path, serve: Serve, page: Page, shoot: Shoot
) -> None:
    served = serve(sample, "--now", NOW)
    newest = load_publication(sample).entries[0]
    page.goto(served.url)
    assert page.title() == "World Briefings"
    assert page.locator("h1").inner_text() == "World Briefings"
    shoot(page, "home-1280")
    page.get_by_role("link", name=newest.title, exact=True).first.click()
    page.wait_for_url(f"{served.url}entries/{newest.id}.html")
    assert page.locator("article h1").inner_text() == newest.title
    page.set_viewport_size({"width": 390, "height": 800})
    shoot(page, "entry-390")
