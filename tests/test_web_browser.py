"""The pages in headless Chromium (Debian `chromium`, driven by Playwright): every page loads
with no console error, the dyad chart renders, a click-through dyad -> event -> article works,
and no request ever leaves loopback."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from _web_support import servers

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium is absent (apt-get install -y chromium)"),
]


class Recorder:
    """Every request the browser makes, and every console error or page error."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda req: self.requests.append(req.url))
        page.on("console", lambda msg: self.errors.append(f"{msg.type}: {msg.text}")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def off_loopback(self) -> list[str]:
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "about", "blob"):
                continue
            if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
                out.append(url)
        return out


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.recorder = Recorder(p)
    yield p
    context.close()


@pytest.fixture(scope="module")
def base():
    return servers()["ro"].url


PAGES = ["/", "/articles?q=Putin", "/events", "/network", "/countries/PRK", "/dyads/RUS/PRK",
         "/api/briefs/RUS/PRK?format=html"]


def test_every_page_loads_without_errors_or_outside_requests(page, base):
    for path in PAGES:
        response = page.goto(base + path, wait_until="load")
        assert response.status == 200, path
        assert page.locator("h1").count() >= 1, path
    assert page.recorder.errors == []
    assert page.recorder.off_loopback() == []
    assert len(page.recorder.requests) >= len(PAGES)


def test_click_through_dyad_event_article(page, base):
    page.goto(base + "/dyads/RUS/PRK", wait_until="load")
    chart = page.locator("#dyad-chart svg")
    assert chart.count() == 1
    box = chart.bounding_box()
    assert box and box["width"] > 400 and box["height"] > 150
    assert page.locator("#dyad-chart svg path").count() > 20  # lines, bars and glyphs drawn

    page.locator("a.key-event").first.click()
    page.wait_for_url("**/events/**")
    assert page.locator("li.report").count() >= 1
    assert page.locator("blockquote.evidence mark.trigger").count() >= 1

    page.locator("a.article-link").first.click()
    page.wait_for_url("**/articles/**")
    marks = page.locator("#article-text mark")
    assert marks.count() >= 3
    # The article page's script: hovering an event row lights up its words in the text.
    row = page.locator("tr[data-event]").first
    row.hover()
    assert page.locator("#article-text mark.lit").count() >= 1

    assert page.recorder.errors == []
    assert page.recorder.off_loopback() == []


def test_filters_and_search_forms_work(page, base):
    page.goto(base + "/dyads/RUS/PRK", wait_until="load")
    page.locator("nav.dimensions a", has_text="military").click()
    page.wait_for_url("**dimension=military**")
    assert page.locator("nav.dimensions a.on").inner_text() == "military"
    page.goto(base + "/", wait_until="load")
    page.fill("form.inline input[name=q]", "Pyongyang")
    page.locator("form.inline button", has_text="Search").click()
    page.wait_for_url("**/articles?q=Pyongyang")
    assert page.locator("ol.articles li").count() >= 2
    page.goto(base + "/", wait_until="load")
    page.fill("input[name=a]", "Japan")
    page.fill("input[name=b]", "North Korea")
    page.locator("button", has_text="Open dyad").click()
    page.wait_for_url("**/dyads/JPN/PRK")
    assert "Japan" in page.locator("h1").inner_text()
    assert page.recorder.errors == []
    assert page.recorder.off_loopback() == []


def test_api_docs_render_offline(page, base):
    page.goto(base + "/docs", wait_until="load")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() >= 9
    assert page.recorder.off_loopback() == []
    assert page.recorder.errors == []
